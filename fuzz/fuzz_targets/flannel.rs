//! Flannel's formats (issue 16): net-conf.json (a ConfigMap key or k3s's file), the backend-data
//! annotation and /run/flannel/subnet.env; the first byte picks which, and none may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netdiag_parsers::flannel;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match pick % 3 {
        0 => {
            if let Ok(c) = flannel::parse_net_conf(&text, "fuzz") {
                // The derived settings every rule uses.
                let _ = (c.vni(), c.port(), c.device(), c.backend(), c.direct_routing());
            }
        }
        1 => {
            let _ = flannel::parse_backend_data(&text);
        }
        _ => {
            let _ = flannel::parse_subnet_env(&text);
        }
    }
});
