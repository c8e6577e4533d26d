//! `netdiag tui`: a live view of a node's tunnels and peers. The state and keys are pure (`app`),
//! drawing is pure (`view`), the I/O runs on background threads (`data`); this file is the terminal
//! loop: raw mode and the alternate screen (restored on quit, on error and on panic — ratatui's
//! `init` installs the panic hook), keys in, snapshots and packets out of one channel.

pub mod app;
mod data;
pub mod view;

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use ratatui::crossterm::event::{self, Event as TermEvent, KeyCode, KeyEventKind, KeyModifiers};

use app::{Action, App, Key};
use data::{Event, Origin};
use netdiag_core::ClusterIntent;

use crate::cli::TuiArgs;
use crate::source::{self, files, kube};

pub fn run(args: &TuiArgs, color: bool) -> Result<u8> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!("netdiag tui needs a terminal (stdin and stdout); for a report in a pipe, a file or a script use `netdiag node-status`");
    }
    // `--from bundle.tar.gz`: verified and unpacked for as long as the view runs.
    let opened = source::open(&args.source)?;
    let s = &opened.args;
    // The intent is read once, before the screen changes, so its errors print as usual.
    let intent = Arc::new(source::intent_for(s, kube::Needs::All)?);
    let (origin, label, snapshot) = if let Some(lab) = &s.lab {
        let netns = crate::lab::node_netns(lab, s.node.as_deref())?;
        (
            Origin::Live { netns: Some(netns) },
            format!("lab {lab} node {}", s.node.as_deref().unwrap_or("?")),
            false,
        )
    } else if s.netns.is_some() || s.live || s.from_path().is_none() {
        (
            Origin::Live {
                netns: s.netns.clone(),
            },
            match &s.netns {
                Some(n) => format!("live netns {n}"),
                None => "live".to_string(),
            },
            false,
        )
    } else {
        let dir = s
            .from_path()
            .map(std::path::Path::to_path_buf)
            .expect("checked");
        let dirs = files::node_dirs(&dir)?;
        let node = match (&s.node, dirs.as_slice()) {
            (Some(n), _) => n.clone(),
            (None, [one]) => one.clone(),
            (None, _) => bail!(
                "{}: pass --node NAME (nodes: {})",
                dir.display(),
                dirs.join(", ")
            ),
        };
        (
            Origin::Files {
                dir: dir.clone(),
                node,
            },
            match &opened.bundle {
                Some(_) => format!(
                    "bundle {}",
                    args.source.from_path().unwrap_or(&dir).display()
                ),
                None => format!("files {}", dir.display()),
            },
            true,
        )
    };
    // The first snapshot is taken before the screen changes: a node that cannot be read at all
    // (no namespace, no permission) is a plain error, not a broken screen.
    let first = data::snapshot(&origin, &intent, s.node.as_deref())?;

    let mut app = App::new(label, snapshot);
    app.color = color;
    app.interval_secs = args.interval.as_secs_f64();
    let start = Instant::now();
    let now = || start.elapsed().as_secs_f64();
    app.apply(first.0, now());
    app.traces = first.1;

    // Bounded: a capture faster than the screen drops lines (and says so) instead of growing
    // memory or starving the keys.
    let (tx, rx) = mpsc::sync_channel::<Event>(4096);
    let (refresh_tx, refresh_rx) = mpsc::channel::<()>();
    {
        let (origin, intent, node, tx) = (
            origin.clone(),
            Arc::clone(&intent),
            s.node.clone(),
            tx.clone(),
        );
        let interval = args.interval;
        std::thread::Builder::new()
            .name("netdiag-tui-collect".into())
            .spawn(move || data::collector(origin, intent, node, interval, refresh_rx, tx))
            .context("cannot start the collector thread")?;
    }

    let mut terminal = ratatui::try_init().context("cannot set up the terminal")?;
    let result = event_loop(
        &mut terminal,
        &mut app,
        &rx,
        &tx,
        &refresh_tx,
        &origin,
        &intent,
        now,
    );
    ratatui::restore();
    result.map(|()| 0)
}

#[allow(clippy::too_many_arguments)]
fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    rx: &mpsc::Receiver<Event>,
    tx: &mpsc::SyncSender<Event>,
    refresh: &mpsc::Sender<()>,
    origin: &Origin,
    intent: &Arc<ClusterIntent>,
    now: impl Fn() -> f64,
) -> Result<()> {
    let mut capture_stop: Option<Arc<AtomicBool>> = None;
    // SIGTERM, SIGHUP (the terminal closed) and SIGINT from outside end the view like `q`, so the
    // terminal is restored.
    let signalled = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        signal_hook::flag::register(sig, Arc::clone(&signalled))
            .context("cannot watch for signals")?;
    }
    loop {
        if signalled.load(Ordering::Relaxed) {
            if let Some(stop) = &capture_stop {
                stop.store(true, Ordering::Relaxed);
            }
            return Ok(());
        }
        terminal.draw(|f| view::draw(f, app, now()))?;
        if event::poll(Duration::from_millis(200))? {
            match event::read()? {
                TermEvent::Key(k) if k.kind != KeyEventKind::Release => {
                    let key = match k.code {
                        KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                            return Ok(());
                        }
                        KeyCode::Up => Key::Up,
                        KeyCode::Down => Key::Down,
                        KeyCode::Enter => Key::Enter,
                        KeyCode::Tab | KeyCode::BackTab => Key::Tab,
                        KeyCode::Esc => Key::Esc,
                        KeyCode::Backspace => Key::Backspace,
                        KeyCode::Char(c) => Key::Char(c),
                        _ => continue,
                    };
                    match app.handle_key(key) {
                        Action::Quit => {
                            if let Some(stop) = &capture_stop {
                                stop.store(true, Ordering::Relaxed);
                            }
                            return Ok(());
                        }
                        Action::Refresh => {
                            let _ = refresh.send(());
                        }
                        Action::ToggleCapture => {
                            toggle_capture(app, &mut capture_stop, origin, intent, tx);
                        }
                        Action::None => {}
                    }
                }
                // A resize redraws on the next turn of the loop.
                _ => {}
            }
        }
        // At most this many events per frame, so keys and drawing keep their turn.
        for _ in 0..2000 {
            let Ok(ev) = rx.try_recv() else { break };
            match ev {
                Event::Snapshot(Ok((ov, traces))) => {
                    app.apply(ov, now());
                    app.traces = traces;
                }
                Event::Snapshot(Err(e)) => app.error = Some(e),
                Event::Packet(line) => app.packet(line),
                Event::Drops(r, d, ui) => {
                    app.drops = Some((r, d));
                    app.ui_dropped = ui;
                }
                Event::CaptureError(e) => app.capture_error = Some(e),
            }
        }
    }
}

fn toggle_capture(
    app: &mut App,
    stop: &mut Option<Arc<AtomicBool>>,
    origin: &Origin,
    intent: &Arc<ClusterIntent>,
    tx: &mpsc::SyncSender<Event>,
) {
    if let Some(s) = stop.take() {
        s.store(true, Ordering::Relaxed);
        app.capture_on = false;
        return;
    }
    app.capture_on = true;
    app.capture_error = None;
    let netns = match origin {
        Origin::Live { netns } => netns.clone(),
        Origin::Files { .. } => {
            app.capture_error =
                Some("a static snapshot (files or a bundle) has no live traffic".to_string());
            return;
        }
    };
    // The node's underlay: the link carrying its node IP; `any` when not known.
    let iface = app
        .overview
        .as_ref()
        .and_then(|o| o.tunnels.iter().find_map(|t| t.parent.clone()))
        .unwrap_or_else(|| "any".to_string());
    let local = app.overview.as_ref().map(|o| o.node.clone());
    let flag = Arc::new(AtomicBool::new(false));
    *stop = Some(Arc::clone(&flag));
    let (intent, tx) = (Arc::clone(intent), tx.clone());
    let spawned = std::thread::Builder::new()
        .name("netdiag-tui-capture".into())
        .spawn(move || data::capture(netns, iface, intent, local, flag, tx));
    if let Err(e) = spawned {
        app.capture_error = Some(format!("cannot start the capture thread: {e}"));
    }
}

#[cfg(test)]
mod tests;
