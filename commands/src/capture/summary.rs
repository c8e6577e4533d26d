//! `capture -r FILE --stats` on every core. When only the summary is asked for (no lines, no
//! `-w`, no `--filter`), the order of packets does not matter: this thread cuts the file into
//! batches of whole records ([`FileReader::fill`], reading straight into the batch) and each
//! worker decodes and counts its batches into its own [`Stats`]; the parts are merged at the end
//! ([`Stats::merge`]), which gives exactly the sequential summary. Batches go round in a fixed
//! pool, so memory stays flat whatever the file size.

use std::sync::mpsc::{channel, sync_channel};

use anyhow::anyhow;
use netdiag_core::model::packet::PacketRecord;
use netdiag_core::packet::Stats;
use netdiag_parsers::packet::{decode_into, link_type, DecodeConfig};

use super::PumpError;
use crate::source::pcap::{Batch, FileReader};

/// Batches queued per worker: enough that a worker never waits for the reader.
const QUEUE: usize = 2;

/// Reads the whole file (within its limits) into `stats`; returns the number of packets.
pub(super) fn parallel(
    reader: &mut FileReader,
    stats: &mut Stats<'_>,
    cfg: &DecodeConfig,
    workers: usize,
) -> Result<u64, PumpError> {
    let dlt = reader.dlt();
    let link = link_type(dlt).ok_or_else(|| {
        anyhow!("link type {dlt} is not decoded (Ethernet, Linux SLL/SLL2 and raw IP are)")
    })?;
    let header = reader.header;
    let ann = stats.annotator();
    std::thread::scope(|scope| {
        let (done_tx, done_rx) = channel::<Batch>();
        let mut queues = Vec::with_capacity(workers);
        let mut handles = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (tx, rx) = sync_channel::<Batch>(QUEUE);
            let done = done_tx.clone();
            queues.push(tx);
            handles.push(scope.spawn(move || {
                let mut part = Stats::new(ann);
                let mut rec = PacketRecord::default();
                for batch in rx {
                    for p in batch.packets(&header) {
                        decode_into(&mut rec, link, p.ts_ns, p.wire_len, p.data, cfg);
                        part.record(&mut rec);
                    }
                    // The reader may have stopped; then the batch is simply dropped.
                    let _ = done.send(batch);
                }
                part
            }));
        }
        drop(done_tx);
        // Every worker's queue full, plus one being decoded and one being read.
        let mut spare: Vec<Batch> = (0..workers * (QUEUE + 1) + 1)
            .map(|_| Batch::default())
            .collect();
        let mut n = 0u64;
        let mut next = 0;
        let result = loop {
            let mut batch = match spare.pop() {
                Some(b) => b,
                None => match done_rx.recv() {
                    Ok(b) => b,
                    Err(_) => break Err(anyhow!("a decoding thread ended early").into()),
                },
            };
            match reader.fill(&mut batch) {
                Ok(true) => {
                    n += batch.packets;
                    if queues[next].send(batch).is_err() {
                        break Err(anyhow!("a decoding thread ended early").into());
                    }
                    next = (next + 1) % workers;
                }
                Ok(false) => break Ok(n),
                Err(error) => break Err(PumpError::Read { after: n, error }),
            }
        };
        // Closing the queues ends the workers once they have decoded what they hold.
        drop(queues);
        for h in handles {
            match h.join() {
                Ok(part) => stats.merge(part),
                Err(p) => std::panic::resume_unwind(p),
            }
        }
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::testutil::{lab_intent, repeated_mix};
    use crate::source::pcap::{open_file, CaptureFile, Limits, Next, Packets};
    use netdiag_core::packet::Annotator;
    use std::path::Path;

    /// The summary of reading one packet after another, as the packet loop does.
    fn sequential(path: &Path, ann: &Annotator, limit: u64) -> (String, Option<String>) {
        let cfg = DecodeConfig::default();
        let mut stats = Stats::new(ann);
        let mut src = open_file(path).expect("opens");
        let mut n = 0;
        let err = loop {
            if n >= limit {
                break None;
            }
            match src.next() {
                Ok(Next::Packet(p)) => {
                    let mut rec = netdiag_parsers::packet::decode(
                        netdiag_core::model::packet::LinkType::Ethernet,
                        p.ts_ns,
                        p.wire_len,
                        p.data,
                        &cfg,
                    );
                    stats.record(&mut rec);
                    n += 1;
                }
                Ok(_) => break None,
                Err(e) => break Some(e),
            }
        };
        (stats.text(), err)
    }

    fn on_threads(path: &Path, ann: &Annotator, limit: u64) -> (String, Result<u64, PumpError>) {
        let mut stats = Stats::new(ann);
        let CaptureFile::Pcap(mut reader) = open_file(path).expect("opens") else {
            panic!("classic pcap");
        };
        reader.set_limits(Limits {
            packets: limit,
            bytes: u64::MAX,
        });
        let r = parallel(&mut reader, &mut stats, &DecodeConfig::default(), 3);
        (stats.text(), r)
    }

    #[test]
    fn threads_count_exactly_what_the_packet_loop_counts() {
        let ann = Annotator::new(&lab_intent());
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, count) = repeated_mix(dir.path(), 3000);
        for limit in [u64::MAX, 12_345] {
            let (want, err) = sequential(&path, &ann, limit);
            assert_eq!(err, None);
            let (got, r) = on_threads(&path, &ann, limit);
            assert!(matches!(r, Ok(n) if n == limit.min(count)), "limit {limit}");
            assert_eq!(got, want, "limit {limit}");
            assert!(want.contains("encap-missing"), "{want}");
        }
    }

    #[test]
    fn a_cut_file_counts_the_packets_before_the_cut() {
        let ann = Annotator::new(&lab_intent());
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, _) = repeated_mix(dir.path(), 500);
        let bytes = std::fs::read(&path).expect("read");
        std::fs::write(&path, &bytes[..bytes.len() * 2 / 3]).expect("cut");
        let (want, err) = sequential(&path, &ann, u64::MAX);
        assert!(err.is_some());
        let (got, r) = on_threads(&path, &ann, u64::MAX);
        let Err(PumpError::Read { after, error }) = r else {
            panic!("the cut is an error");
        };
        assert!(error.contains("ends inside a record"), "{error}");
        assert_eq!(got, want);
        assert!(
            want.contains(&format!("packets {after} ")),
            "{after}: {want}"
        );
    }
}
