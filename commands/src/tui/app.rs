//! The TUI's state and its key handling: pure, no terminal, no clock (the caller passes the time),
//! so every key and every screen can be tested without a TTY.

use std::collections::{HashMap, VecDeque};

use netdiag_core::model::LinkStats;
use netdiag_core::overview::{Overview, PeerRow};

/// What the terminal loop should do after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    None,
    Quit,
    Refresh,
    /// Start or stop the live capture.
    ToggleCapture,
}

/// The keys the TUI knows, decoupled from crossterm's event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Up,
    Down,
    Enter,
    Tab,
    Esc,
    Backspace,
    Char(char),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Peers,
    Tunnels,
}

/// Rates of one tunnel between two refreshes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rates {
    pub rx_pps: f64,
    pub tx_pps: f64,
    pub rx_bps: f64,
    pub tx_bps: f64,
}

/// One decoded packet line of the live capture, with the peer it was exchanged with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketLine {
    pub peer: Option<String>,
    pub text: String,
}

/// How many packet lines are kept (the pane shows the newest that fit).
pub const PACKET_LINES: usize = 500;

#[derive(Debug, Default)]
pub struct App {
    pub overview: Option<Overview>,
    /// `live`, `lab NAME node N`, or `files DIR (static snapshot)`.
    pub source: String,
    /// Files or a bundle: nothing changes between refreshes, and the header says so.
    pub snapshot: bool,
    /// Colours (a TTY without NO_COLOR); otherwise only bold/reverse.
    pub color: bool,
    /// `--interval`, for telling a late refresh from a normal one.
    pub interval_secs: f64,
    /// Packet lines the capture thread had to drop because the screen fell behind.
    pub ui_dropped: u64,
    /// When the last snapshot arrived, in the caller's clock (seconds).
    pub refreshed_at: Option<f64>,
    pub error: Option<String>,
    pub pane: Option<Pane>,
    pub selected_peer: usize,
    pub selected_tunnel: usize,
    pub details: bool,
    pub help: bool,
    pub filter: String,
    pub filtering: bool,
    pub capture_on: bool,
    pub paused: bool,
    pub capture_error: Option<String>,
    pub packets: VecDeque<PacketLine>,
    /// Kernel drops of the capture (received, dropped).
    pub drops: Option<(u32, u32)>,
    pub rates: HashMap<String, Rates>,
    /// Packets seen per peer by the capture, and their rate over the last refresh.
    pub peer_packets: HashMap<String, u64>,
    pub peer_rates: HashMap<String, f64>,
    last_peer_packets: HashMap<String, u64>,
    last_stats: HashMap<String, (LinkStats, f64)>,
    /// A short trace summary per peer, toward one of its pods (filled by the data side).
    pub traces: HashMap<String, String>,
}

impl App {
    pub fn new(source: String, snapshot: bool) -> App {
        App {
            source,
            snapshot,
            interval_secs: 2.0,
            pane: Some(Pane::Peers),
            ..App::default()
        }
    }

    pub fn pane(&self) -> Pane {
        self.pane.unwrap_or(Pane::Peers)
    }

    /// The peers the filter lets through (name, IP, path or finding code contain it).
    pub fn visible_peers(&self) -> Vec<&PeerRow> {
        let Some(o) = &self.overview else {
            return Vec::new();
        };
        let f = self.filter.to_ascii_lowercase();
        o.peers
            .iter()
            .filter(|p| {
                f.is_empty()
                    || p.name.to_ascii_lowercase().contains(&f)
                    || p.ip.is_some_and(|ip| ip.to_string().contains(&f))
                    || p.path_label().to_ascii_lowercase().contains(&f)
                    || p.findings
                        .iter()
                        .any(|x| x.code.as_str().to_ascii_lowercase().contains(&f))
            })
            .collect()
    }

    pub fn selected(&self) -> Option<&PeerRow> {
        self.visible_peers().get(self.selected_peer).copied()
    }

    /// A new snapshot: rates from the counters' change since the previous one, selection kept on
    /// the same peer when it is still there.
    pub fn apply(&mut self, overview: Overview, now: f64) {
        let keep = self.selected().map(|p| p.name.clone());
        for t in &overview.tunnels {
            let Some(st) = t.stats else { continue };
            if let Some((prev, at)) = self.last_stats.get(&t.name) {
                let dt = now - at;
                // Counters that went backwards mean the device was recreated: no rate, rather
                // than a made-up zero.
                let reset = st.rx_packets < prev.rx_packets || st.tx_packets < prev.tx_packets;
                if reset {
                    self.rates.remove(&t.name);
                } else if dt > 0.0 {
                    let d = |a: u64, b: u64| a.saturating_sub(b) as f64 / dt;
                    self.rates.insert(
                        t.name.clone(),
                        Rates {
                            rx_pps: d(st.rx_packets, prev.rx_packets),
                            tx_pps: d(st.tx_packets, prev.tx_packets),
                            rx_bps: d(st.rx_bytes, prev.rx_bytes),
                            tx_bps: d(st.tx_bytes, prev.tx_bytes),
                        },
                    );
                }
            }
            self.last_stats.insert(t.name.clone(), (st, now));
        }
        if let Some(prev_at) = self.refreshed_at {
            let dt = now - prev_at;
            if dt > 0.0 {
                for (peer, n) in &self.peer_packets {
                    let before = self.last_peer_packets.get(peer).copied().unwrap_or(0);
                    self.peer_rates
                        .insert(peer.clone(), n.saturating_sub(before) as f64 / dt);
                }
            }
        }
        self.last_peer_packets = self.peer_packets.clone();
        self.overview = Some(overview);
        self.refreshed_at = Some(now);
        self.error = None;
        if let Some(name) = keep {
            if let Some(i) = self.visible_peers().iter().position(|p| p.name == name) {
                self.selected_peer = i;
            }
        }
        self.clamp();
    }

    /// A captured packet (ignored while paused).
    pub fn packet(&mut self, line: PacketLine) {
        if let Some(p) = &line.peer {
            *self.peer_packets.entry(p.clone()).or_default() += 1;
        }
        if self.paused {
            return;
        }
        if self.packets.len() == PACKET_LINES {
            self.packets.pop_front();
        }
        self.packets.push_back(line);
    }

    /// The packet lines to show: the selected peer's when one is selected.
    pub fn packet_lines(&self) -> Vec<&PacketLine> {
        let peer = self.selected().map(|p| p.name.as_str());
        self.packets
            .iter()
            .filter(|l| peer.is_none() || l.peer.as_deref() == peer)
            .collect()
    }

    fn clamp(&mut self) {
        let peers = self.visible_peers().len();
        self.selected_peer = self.selected_peer.min(peers.saturating_sub(1));
        let tunnels = self.overview.as_ref().map_or(0, |o| o.tunnels.len());
        self.selected_tunnel = self.selected_tunnel.min(tunnels.saturating_sub(1));
    }

    pub fn handle_key(&mut self, key: Key) -> Action {
        if self.filtering {
            match key {
                Key::Enter => self.filtering = false,
                Key::Esc => {
                    self.filtering = false;
                    self.filter.clear();
                }
                Key::Backspace => {
                    self.filter.pop();
                }
                Key::Char(c) if !c.is_control() => self.filter.push(c),
                _ => {}
            }
            self.selected_peer = 0;
            self.clamp();
            return Action::None;
        }
        if self.help {
            // Any key closes the help; q still quits.
            self.help = false;
            return if key == Key::Char('q') {
                Action::Quit
            } else {
                Action::None
            };
        }
        match key {
            Key::Char('q') => return Action::Quit,
            Key::Esc if self.details => self.details = false,
            Key::Esc if !self.filter.is_empty() => {
                self.filter.clear();
                self.clamp();
            }
            Key::Esc => return Action::Quit,
            Key::Up | Key::Char('k') => self.step(-1),
            Key::Down | Key::Char('j') => self.step(1),
            Key::Enter => self.details = !self.details,
            Key::Tab => {
                self.pane = Some(match self.pane() {
                    Pane::Peers => Pane::Tunnels,
                    Pane::Tunnels => Pane::Peers,
                })
            }
            Key::Char('/') => self.filtering = true,
            Key::Char('?') => self.help = true,
            Key::Char('p') => self.paused = !self.paused,
            Key::Char('r') => return Action::Refresh,
            Key::Char('c') => return Action::ToggleCapture,
            _ => {}
        }
        Action::None
    }

    fn step(&mut self, by: i64) {
        let sel = match self.pane() {
            Pane::Peers => &mut self.selected_peer,
            Pane::Tunnels => &mut self.selected_tunnel,
        };
        *sel = usize::try_from((*sel as i64 + by).max(0)).unwrap_or(0);
        self.clamp();
    }
}
