//! The TUI without a terminal: keys change the App as documented, and every screen, rendered from
//! scenario fixtures into ratatui's TestBackend at fixed sizes and a fixed clock, matches its
//! snapshot. No threads, no sleeps, no real clock.

use std::path::PathBuf;

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::app::{Action, App, Key, PacketLine, Pane};
use super::data::{self, Origin};
use super::view;
use crate::source::files;

fn scenario(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/scenarios")
        .join(name)
}

/// An App holding the scenario's node `worker`, refreshed at t=0.
fn app(name: &str) -> App {
    let dir = scenario(name);
    let intent = files::load_intent(&dir).expect("intent");
    let origin = Origin::Files {
        dir: dir.clone(),
        node: "worker".into(),
    };
    let (ov, traces) = data::snapshot(&origin, &intent, Some("worker")).expect("snapshot");
    let mut app = App::new(format!("files testdata/scenarios/{name}"), true);
    app.apply(ov, 0.0);
    app.traces = traces;
    app
}

fn render(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| view::draw(f, app, 1.0)).expect("draw");
    term.backend().to_string()
}

#[test]
fn keys_move_select_filter_and_quit() {
    let mut a = app("vxlan-crosssubnet-healthy");
    let peers = a.visible_peers().len();
    assert_eq!(peers, 3);
    assert_eq!(a.handle_key(Key::Up), Action::None);
    assert_eq!(a.selected_peer, 0, "never above the first");
    for _ in 0..10 {
        a.handle_key(Key::Char('j'));
    }
    assert_eq!(a.selected_peer, peers - 1, "never below the last");
    a.handle_key(Key::Char('k'));
    assert_eq!(a.selected_peer, peers - 2);

    a.handle_key(Key::Enter);
    assert!(a.details);
    assert_eq!(
        a.handle_key(Key::Esc),
        Action::None,
        "Esc closes the details first"
    );
    assert!(!a.details);

    a.handle_key(Key::Tab);
    assert_eq!(a.pane(), Pane::Tunnels);
    a.handle_key(Key::Tab);
    assert_eq!(a.pane(), Pane::Peers);

    a.handle_key(Key::Char('/'));
    for c in "worker3".chars() {
        assert_eq!(
            a.handle_key(Key::Char(c)),
            Action::None,
            "typing is not a command"
        );
    }
    a.handle_key(Key::Enter);
    assert_eq!(a.filter, "worker3");
    assert_eq!(a.visible_peers().len(), 1);
    assert_eq!(a.selected().map(|p| p.name.as_str()), Some("worker3"));
    assert_eq!(
        a.handle_key(Key::Esc),
        Action::None,
        "Esc clears an applied filter first"
    );
    assert!(a.filter.is_empty() && a.visible_peers().len() == peers);
    a.handle_key(Key::Char('/'));
    a.handle_key(Key::Char('x'));
    a.handle_key(Key::Esc);
    assert!(
        a.filter.is_empty() && !a.filtering,
        "Esc while typing drops the filter"
    );

    a.handle_key(Key::Char('?'));
    assert!(a.help);
    assert_eq!(a.handle_key(Key::Char('j')), Action::None);
    assert!(!a.help, "any key closes the help");

    assert_eq!(a.handle_key(Key::Char('r')), Action::Refresh);
    assert_eq!(a.handle_key(Key::Char('c')), Action::ToggleCapture);
    a.handle_key(Key::Char('p'));
    assert!(a.paused);
    assert_eq!(a.handle_key(Key::Char('q')), Action::Quit);
    assert_eq!(a.handle_key(Key::Esc), Action::Quit);
}

#[test]
fn paused_packets_are_counted_but_not_shown() {
    let mut a = app("vxlan-crosssubnet-healthy");
    let line = |peer: &str| PacketLine {
        peer: Some(peer.into()),
        text: format!("packet to {peer}"),
    };
    a.packet(line("worker3"));
    a.handle_key(Key::Char('p'));
    a.packet(line("worker3"));
    assert_eq!(a.packets.len(), 1);
    assert_eq!(a.peer_packets.get("worker3"), Some(&2));
    // With a peer selected only its packets show.
    a.packet(line("worker2"));
    a.handle_key(Key::Char('p'));
    a.packet(line("worker2"));
    let sel = a.selected().map(|p| p.name.clone()).expect("a peer");
    assert!(a
        .packet_lines()
        .iter()
        .all(|l| l.peer.as_deref() == Some(sel.as_str())));
}

#[test]
fn rates_come_from_counter_deltas() {
    let mut a = app("vxlan-crosssubnet-healthy");
    let mut ov = a.overview.clone().expect("overview");
    let t = ov.tunnels.first_mut().expect("vxlan.calico");
    t.stats = Some(netdiag_core::model::LinkStats {
        rx_packets: 100,
        tx_packets: 50,
        rx_bytes: 10_000,
        ..Default::default()
    });
    a.apply(ov.clone(), 10.0);
    let t = ov.tunnels.first_mut().expect("vxlan.calico");
    let st = t.stats.as_mut().expect("stats");
    st.rx_packets += 200;
    st.rx_bytes += 40_000;
    a.apply(ov, 12.0);
    let r = a.rates.get("vxlan.calico").expect("rates");
    assert_eq!((r.rx_pps, r.tx_pps, r.rx_bps), (100.0, 0.0, 20_000.0));
    // The device was recreated: counters restart, and no rate is made up.
    let mut ov = a.overview.clone().expect("overview");
    ov.tunnels[0].stats = Some(netdiag_core::model::LinkStats::default());
    a.apply(ov, 14.0);
    assert!(!a.rates.contains_key("vxlan.calico"));
}

/// Issue 16: on a Flannel node the peers are its leases — flannel.1's neighbour and FDB entry per
/// peer, the stale one shown and the peer marked broken — and flannel.1 is the tunnel.
#[test]
fn flannel_peers_are_their_leases() {
    let a = app("flannel-stale-fdb");
    let o = a.overview.as_ref().expect("overview");
    assert_eq!(o.backend, "flannel-vxlan");
    assert!(o.tunnels.iter().any(|t| t.name == "flannel.1"));
    let w3 = o
        .peers
        .iter()
        .find(|p| p.name == "worker3")
        .expect("worker3");
    assert_eq!(
        w3.vtep_ip.map(|i| i.to_string()).as_deref(),
        Some("10.244.3.0")
    );
    assert_eq!(
        w3.fdb_dst.map(|i| i.to_string()).as_deref(),
        Some("10.10.20.99")
    );
    assert_eq!(w3.worst_code(), Some("FLANNEL-FDB-STALE-DST"));
    assert_eq!(w3.routes.len(), 1);
    let w2 = o
        .peers
        .iter()
        .find(|p| p.name == "worker2")
        .expect("worker2");
    assert!(w2.findings.is_empty() && w2.neigh.is_some() && w2.fdb.is_some());
}

#[test]
fn a_missing_tunnel_device_has_its_row() {
    let a = app("vxlan-device-missing");
    let o = a.overview.as_ref().expect("overview");
    let row = o
        .tunnels
        .iter()
        .find(|t| t.name == "vxlan.calico")
        .expect("a row for the missing device");
    assert_eq!(row.up, None);
    assert_eq!(row.findings[0].code.as_str(), "VXLAN-DEVICE-MISSING");
    insta::assert_snapshot!("device-missing-120x24", render(&a, 120, 24));
}

#[test]
fn screens() {
    let healthy = app("vxlan-crosssubnet-healthy");
    insta::assert_snapshot!("main-120x30-healthy", render(&healthy, 120, 30));
    insta::assert_snapshot!("main-80x24-healthy", render(&healthy, 80, 24));

    let mut broken = app("vxlan-stale-fdb");
    insta::assert_snapshot!("main-120x30-stale-fdb", render(&broken, 120, 30));
    // Details of the broken peer.
    let i = broken
        .visible_peers()
        .iter()
        .position(|p| p.name == "worker3")
        .expect("worker3");
    broken.selected_peer = i;
    broken.handle_key(Key::Enter);
    insta::assert_snapshot!("details-140x40-stale-fdb", render(&broken, 140, 40));
    broken.handle_key(Key::Esc);

    // Tunnels pane with details.
    broken.handle_key(Key::Tab);
    broken.handle_key(Key::Enter);
    insta::assert_snapshot!("tunnel-details-120x30", render(&broken, 120, 30));
    broken.handle_key(Key::Esc);
    broken.handle_key(Key::Tab);

    // Packets pane (capture on, lines fed by hand), then the help overlay.
    broken.capture_on = true;
    broken.drops = Some((12, 0));
    broken.packet(PacketLine {
        peer: Some("worker3".into()),
        text: "12:00:01.000123 worker→10.10.20.99 10.10.10.11→10.10.20.99 VXLAN vni 4096 | web → web ICMP echo".into(),
    });
    insta::assert_snapshot!("packets-120x30", render(&broken, 120, 30));
    broken.handle_key(Key::Char('?'));
    insta::assert_snapshot!("help-80x24", render(&broken, 80, 24));
    broken.handle_key(Key::Char('x'));

    // Capture refused: a clear line in the pane, not a crash.
    broken.capture_error = Some("capturing on eth0 needs CAP_NET_RAW (run as root)".into());
    insta::assert_snapshot!("capture-refused-100x24", render(&broken, 100, 24));

    // Too small for the tables.
    insta::assert_snapshot!("tiny-30x8", render(&healthy, 30, 8));
}
