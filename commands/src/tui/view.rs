//! Drawing the App into a ratatui frame: header, tunnels, peers (with details beside them), the
//! packet pane, the footer, the help overlay — and a plain message when the terminal is too small
//! for a readable layout. Pure: what is drawn depends on the App and `now` only.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

use netdiag_core::overview::{Health, PeerRow, TunnelRow};

use super::app::{App, Pane};

/// Below this the tables cannot show a peer's name, path and health on one line.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

struct Theme {
    color: bool,
}

impl Theme {
    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }
    fn ok(&self) -> Style {
        self.fg(Color::Green)
    }
    fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }
    fn bad(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    fn dim(&self) -> Style {
        if self.color {
            Style::default().fg(Color::DarkGray)
        } else {
            Style::default()
        }
    }
    fn title(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }
    fn selected(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }
}

pub fn draw(f: &mut Frame, app: &App, now: f64) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "terminal too small ({}x{}): netdiag tui needs {MIN_WIDTH}x{MIN_HEIGHT}; enlarge it, or use `netdiag node-status` — q quits",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let t = Theme { color: app.color };
    let tunnels = app.overview.as_ref().map_or(0, |o| o.tunnels.len()) as u16;
    let packets = if app.capture_on { 9 } else { 0 };
    let [header, tunnels_area, main, packets_area, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length((tunnels.max(1) + 3).min(8)),
        Constraint::Min(5),
        Constraint::Length(packets),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(f, app, now, header, &t);
    draw_tunnels(f, app, tunnels_area, &t);
    if app.details {
        let [list, details] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(main);
        draw_peers(f, app, list, &t);
        draw_details(f, app, details, &t);
    } else {
        draw_peers(f, app, main, &t);
    }
    if app.capture_on {
        draw_packets(f, app, packets_area, &t);
    }
    draw_footer(f, app, footer, &t);
    if app.help {
        draw_help(f, area);
    }
}

fn draw_header(f: &mut Frame, app: &App, now: f64, area: Rect, t: &Theme) {
    let mut first = vec![Span::styled("netdiag tui", t.title())];
    match &app.overview {
        Some(o) => {
            first.push(Span::raw(format!(
                "  node {}{}  backend {}",
                o.node,
                o.node_ip
                    .as_deref()
                    .map(|ip| format!(" ({ip})"))
                    .unwrap_or_default(),
                o.backend
            )));
        }
        None => first.push(Span::raw("  collecting…")),
    }
    let age = match (app.snapshot, app.refreshed_at) {
        (true, _) => Span::styled("  static snapshot", t.warn()),
        (false, Some(at)) => {
            let secs = (now - at).max(0.0);
            // Stale data must look stale: two intervals missed (plus a collection's time) is.
            let style = if secs > 2.0 * app.interval_secs + 2.0 {
                t.warn()
            } else {
                t.dim()
            };
            Span::styled(format!("  refreshed {secs:.0}s ago"), style)
        }
        (false, None) => Span::styled("  not refreshed yet", t.warn()),
    };
    first.push(age);
    let second = match (&app.error, &app.overview) {
        (Some(e), _) => Line::from(Span::styled(format!("error: {e}"), t.bad())),
        (None, Some(o)) => Line::from(Span::styled(
            format!("source {}  pools: {}", app.source, o.pools.join(" · ")),
            t.dim(),
        )),
        (None, None) => Line::from(Span::styled(format!("source {}", app.source), t.dim())),
    };
    f.render_widget(Paragraph::new(vec![Line::from(first), second]), area);
}

/// Which columns fit in `width`: taken in priority order (`prio` lists column indexes, most
/// important first) while their widths (plus a space each) add up.
fn fit(widths: &[u16], prio: &[usize], width: u16) -> Vec<usize> {
    let mut used = 0u16;
    let mut keep = Vec::new();
    for &i in prio {
        let w = widths[i] + 1;
        if used + w <= width {
            used += w;
            keep.push(i);
        }
    }
    keep.sort_unstable();
    keep
}

/// A table of the kept columns; the last kept column takes what is left.
fn columns<'a>(
    headers: &[&'a str],
    widths: &[u16],
    keep: &[usize],
    rows: Vec<Vec<Cell<'a>>>,
    t: &Theme,
) -> Table<'a> {
    let constraints: Vec<Constraint> = keep
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            if n + 1 == keep.len() {
                Constraint::Min(widths[i])
            } else {
                Constraint::Length(widths[i])
            }
        })
        .collect();
    let header = Row::new(keep.iter().map(|&i| headers[i]).collect::<Vec<_>>()).style(t.title());
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|cells| {
            let mut cells: Vec<Option<Cell>> = cells.into_iter().map(Some).collect();
            Row::new(
                keep.iter()
                    .map(|&i| cells[i].take().unwrap_or_default())
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    Table::new(rows, constraints).header(header)
}

fn rate(v: f64) -> String {
    if v >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "-".to_string())
}

fn draw_tunnels(f: &mut Frame, app: &App, area: Rect, t: &Theme) {
    let focused = app.pane() == Pane::Tunnels;
    let rows: Vec<Vec<Cell>> = app
        .overview
        .as_ref()
        .map(|o| o.tunnels.iter().map(|tr| tunnel_row(app, tr, t)).collect())
        .unwrap_or_default();
    let empty = rows.is_empty();
    let headers = [
        "TUNNEL",
        "STATE",
        "VNI",
        "PORT",
        "LOCAL",
        "PARENT",
        "MTU (exp)",
        "RX pkt/s B/s",
        "TX pkt/s B/s",
        "ERR/DROP",
    ];
    let widths = [16, 7, 6, 5, 15, 8, 11, 13, 13, 8];
    let keep = fit(
        &widths,
        &[0, 1, 2, 3, 6, 7, 8, 4, 5, 9],
        area.width.saturating_sub(2),
    );
    let table = columns(&headers, &widths, &keep, rows, t)
        .block(
            Block::bordered()
                .title(if empty {
                    " Tunnels: none (no VXLAN device, no tunl0) "
                } else {
                    " Tunnels "
                })
                .border_style(if focused { t.title() } else { t.dim() }),
        )
        .row_highlight_style(t.selected());
    let mut state = TableState::default().with_selected(focused.then_some(app.selected_tunnel));
    f.render_stateful_widget(table, area, &mut state);
}

fn tunnel_row<'a>(app: &App, tr: &'a TunnelRow, t: &Theme) -> Vec<Cell<'a>> {
    let missing = tr.up.is_none()
        && tr
            .findings
            .iter()
            .any(|f| f.code.as_str().ends_with("DEVICE-MISSING"));
    let state = match tr.up {
        _ if missing => Cell::from("MISSING").style(t.bad()),
        Some(true) => Cell::from("up").style(t.ok()),
        Some(false) => Cell::from("DOWN").style(t.bad()),
        None => Cell::from("?"),
    };
    let mtu = match (tr.mtu, tr.expected_mtu) {
        (Some(m), Some(e)) if m != e => Cell::from(format!("{m} ({e})")).style(t.warn()),
        (Some(m), Some(e)) => Cell::from(format!("{m} ({e})")),
        (m, _) => Cell::from(opt(m)),
    };
    let r = app.rates.get(&tr.name);
    let rx = r.map_or("-".into(), |r| {
        format!("{} {}", rate(r.rx_pps), rate(r.rx_bps))
    });
    let tx = r.map_or("-".into(), |r| {
        format!("{} {}", rate(r.tx_pps), rate(r.tx_bps))
    });
    let errs = tr.stats.map_or("-".into(), |s| {
        format!(
            "{}/{}",
            s.rx_errors + s.tx_errors,
            s.rx_dropped + s.tx_dropped
        )
    });
    let name = if tr.findings.is_empty() {
        Cell::from(tr.name.clone())
    } else {
        Cell::from(format!("✗ {}", tr.name)).style(t.bad())
    };
    vec![
        name,
        state,
        Cell::from(opt(tr.vni)),
        Cell::from(opt(tr.port)),
        Cell::from(opt(tr.local)),
        Cell::from(tr.parent.clone().unwrap_or_else(|| "-".into())),
        mtu,
        Cell::from(rx),
        Cell::from(tx),
        Cell::from(errs),
    ]
}

fn health_cell<'a>(p: &PeerRow, t: &Theme) -> Cell<'a> {
    match p.health {
        Health::Ok => Cell::from("✓").style(t.ok()),
        Health::Warning => {
            Cell::from(format!("! {}", p.worst_code().unwrap_or(""))).style(t.warn())
        }
        Health::Broken => Cell::from(format!("✗ {}", p.worst_code().unwrap_or(""))).style(t.bad()),
    }
}

fn draw_peers(f: &mut Frame, app: &App, area: Rect, t: &Theme) {
    let focused = app.pane() == Pane::Peers;
    let peers = app.visible_peers();
    let total = app.overview.as_ref().map_or(0, |o| o.peers.len());
    let broken = peers.iter().filter(|p| p.health == Health::Broken).count();
    let rows: Vec<Vec<Cell>> = peers
        .iter()
        .map(|p| {
            vec![
                Cell::from(p.name.clone()),
                health_cell(p, t),
                Cell::from(opt(p.ip)),
                Cell::from(if p.same_subnet { "same" } else { "cross" }),
                Cell::from(p.path_label()),
                Cell::from(opt(p.vtep_ip)),
                Cell::from(p.vtep_mac.clone().unwrap_or_else(|| "-".into())),
                Cell::from(p.neigh_state.clone().unwrap_or_else(|| "-".into())),
                Cell::from(opt(p.fdb_dst)),
                Cell::from(format!("{}/{}", p.routes.len(), p.routes_expected)),
                Cell::from(if app.capture_on {
                    app.peer_rates.get(&p.name).map_or("0".into(), |r| rate(*r))
                } else {
                    String::new()
                }),
            ]
        })
        .collect();
    let headers = [
        "PEER", "HEALTH", "NODE IP", "SUBNET", "PATH", "VTEP", "VTEP MAC", "NEIGH", "FDB DST",
        "ROUTES", "PKT/S",
    ];
    let name_w = peers
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 24) as u16;
    let health_w = peers
        .iter()
        .map(|p| p.worst_code().map_or(1, |c| c.len() + 2))
        .max()
        .unwrap_or(6)
        .clamp(6, 30) as u16;
    let widths = [name_w, health_w, 15, 6, 6, 15, 17, 10, 15, 6, 6];
    // Beside the details only what identifies a peer and its health is wanted.
    let prio: &[usize] = match (app.details, app.capture_on) {
        (true, _) => &[0, 1, 2, 4],
        (false, true) => &[0, 1, 10, 4, 2, 3, 8, 7, 5, 9, 6],
        (false, false) => &[0, 1, 4, 2, 3, 8, 7, 5, 9, 6],
    };
    let keep = fit(&widths, prio, area.width.saturating_sub(2));
    let filter = if app.filter.is_empty() {
        String::new()
    } else {
        format!(" filter {:?}:", app.filter)
    };
    let title = format!(
        " Peers{filter} {} of {total}, {broken} broken ",
        peers.len()
    );
    let table = columns(&headers, &widths, &keep, rows, t)
        .block(Block::bordered().title(title).border_style(if focused {
            t.title()
        } else {
            t.dim()
        }))
        .row_highlight_style(t.selected());
    let mut state = TableState::default().with_selected(focused.then_some(app.selected_peer));
    f.render_stateful_widget(table, area, &mut state);
}

fn draw_details(f: &mut Frame, app: &App, area: Rect, t: &Theme) {
    let mut lines: Vec<Line> = Vec::new();
    let title;
    match app.pane() {
        Pane::Peers => match app.selected() {
            Some(p) => {
                title = format!(" {} ", p.name);
                if p.findings.is_empty() {
                    lines.push(Line::styled("no findings: healthy", t.ok()));
                }
                for fnd in &p.findings {
                    lines.push(Line::styled(
                        format!("{} {}", fnd.code.as_str(), fnd.subject),
                        match fnd.severity {
                            netdiag_core::Severity::Error => t.bad(),
                            netdiag_core::Severity::Warning => t.warn(),
                            netdiag_core::Severity::Info => t.dim(),
                        },
                    ));
                    lines.push(Line::raw(format!("  expected {}", fnd.expected)));
                    lines.push(Line::raw(format!("  actual   {}", fnd.actual)));
                    lines.push(Line::styled(format!("  hint     {}", fnd.hint), t.dim()));
                }
                lines.push(Line::styled("routes", t.title()));
                if p.routes.is_empty() {
                    lines.push(Line::raw("  (none)"));
                }
                for r in &p.routes {
                    lines.push(Line::raw(format!("  {r}")));
                }
                lines.push(Line::styled("neighbour / fdb", t.title()));
                lines.push(Line::raw(format!(
                    "  {}",
                    p.neigh.as_deref().unwrap_or("(no VTEP neighbour)")
                )));
                lines.push(Line::raw(format!(
                    "  {}",
                    p.fdb.as_deref().unwrap_or("(no FDB entry)")
                )));
                lines.push(Line::styled("trace", t.title()));
                lines.push(Line::raw(format!(
                    "  {}",
                    app.traces
                        .get(&p.name)
                        .map(String::as_str)
                        .unwrap_or("no pod pair to trace (no local pod, or none on this peer)")
                )));
            }
            None => {
                title = " details ".to_string();
                lines.push(Line::raw("no peer selected"));
            }
        },
        Pane::Tunnels => {
            let tr = app
                .overview
                .as_ref()
                .and_then(|o| o.tunnels.get(app.selected_tunnel));
            match tr {
                Some(tr) => {
                    title = format!(" {} ", tr.name);
                    if tr.findings.is_empty() {
                        lines.push(Line::styled("no findings: healthy", t.ok()));
                    }
                    for fnd in &tr.findings {
                        lines.push(Line::styled(fnd.code.as_str().to_string(), t.bad()));
                        lines.push(Line::raw(format!("  expected {}", fnd.expected)));
                        lines.push(Line::raw(format!("  actual   {}", fnd.actual)));
                        lines.push(Line::styled(format!("  hint     {}", fnd.hint), t.dim()));
                    }
                    if let Some(s) = tr.stats {
                        lines.push(Line::styled("counters", t.title()));
                        lines.push(Line::raw(format!(
                            "  rx {} packets {} bytes, {} errors {} dropped",
                            s.rx_packets, s.rx_bytes, s.rx_errors, s.rx_dropped
                        )));
                        lines.push(Line::raw(format!(
                            "  tx {} packets {} bytes, {} errors {} dropped",
                            s.tx_packets, s.tx_bytes, s.tx_errors, s.tx_dropped
                        )));
                    }
                }
                None => {
                    title = " details ".to_string();
                    lines.push(Line::raw("no tunnel"));
                }
            }
        }
    }
    f.render_widget(
        Paragraph::new(Text::from(lines))
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(title)),
        area,
    );
}

fn draw_packets(f: &mut Frame, app: &App, area: Rect, t: &Theme) {
    let inner_height = area.height.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(e) = &app.capture_error {
        lines.push(Line::styled(format!("capture unavailable: {e}"), t.bad()));
    } else {
        let all = app.packet_lines();
        let start = all.len().saturating_sub(inner_height);
        lines.extend(all[start..].iter().map(|l| Line::raw(l.text.clone())));
        if lines.is_empty() {
            lines.push(Line::styled("no tunnelled packets yet", t.dim()));
        }
    }
    let peer = app
        .selected()
        .map(|p| format!(" to/from {}", p.name))
        .unwrap_or_default();
    let mut drops = app
        .drops
        .map(|(r, d)| format!(", kernel: {r} received {d} dropped"))
        .unwrap_or_default();
    if app.ui_dropped > 0 {
        drops.push_str(&format!(", {} not shown (too fast)", app.ui_dropped));
    }
    let paused = if app.paused { " PAUSED" } else { "" };
    f.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(format!(" Packets{peer}{paused}{drops} "))),
        area,
    );
}

fn draw_footer(f: &mut Frame, app: &App, area: Rect, t: &Theme) {
    let line = if app.filtering {
        Line::from(vec![
            Span::styled("filter: ", t.title()),
            Span::raw(app.filter.clone()),
            Span::styled("▏ Enter apply · Esc clear", t.dim()),
        ])
    } else {
        Line::styled(
            "↑↓/jk move · Enter details · Tab pane · / filter · c capture · p pause · r refresh · ? help · q quit",
            t.dim(),
        )
    };
    f.render_widget(Paragraph::new(line), area);
}

fn draw_help(f: &mut Frame, area: Rect) {
    let w = 58.min(area.width);
    let h = 16.min(area.height);
    let popup = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    let text = vec![
        Line::raw("↑ ↓  j k   move in the focused table"),
        Line::raw("Enter      details of the selected peer or tunnel"),
        Line::raw("Tab        switch between Peers and Tunnels"),
        Line::raw("/          filter peers (name, IP, path, finding code)"),
        Line::raw("c          start/stop the live capture (Packets pane)"),
        Line::raw("p          pause the packet pane"),
        Line::raw("r          refresh now"),
        Line::raw("?          this help"),
        Line::raw("q  Esc     quit (Esc first closes the details)"),
        Line::raw(""),
        Line::raw("✓ healthy  ! warning  ✗ broken — codes as in node-status"),
        Line::raw("ROUTES present/expected · MTU (expected) · ERR/DROP counters"),
        Line::raw(""),
        Line::raw("any key closes this help"),
    ];
    f.render_widget(Clear, popup);
    f.render_widget(
        Paragraph::new(text).block(Block::bordered().title(" help ")),
        popup,
    );
}
