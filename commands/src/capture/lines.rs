//! `capture -r FILE` lines (text, `-v` or JSON) on every core, in the file's order. This thread
//! cuts the file into batches of whole records ([`FileReader::fill`]); batch `k` goes to worker
//! `k mod W`, which decodes, names and formats it into its own output buffer; one writer thread
//! takes the outputs from the workers in the same round (worker 0, 1, …, W-1, 0, …), so the
//! lines come out exactly as one thread writes them, with no reordering buffer. Batches and
//! output buffers go round in fixed pools: memory stays flat whatever the file size.
//!
//! Each worker names packets through its own [`Stats`] (a flow cache of names and intent
//! anomalies); the names of a flow depend on the flow alone, so every worker gives the same.

use std::io::Write;
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};

use anyhow::{anyhow, Result};
use netdiag_core::model::packet::PacketRecord;
use netdiag_core::packet::{json, text, Annotator, Lines, Stats};
use netdiag_parsers::packet::{decode_into, link_type, DecodeConfig};

use super::{write_out, PumpError};
use crate::cli::CaptureFormat;
use crate::source::pcap::{Batch, FileReader};

/// Batches queued per worker: enough that a worker never waits for the reader.
const QUEUE: usize = 2;

/// How each packet is written.
#[derive(Clone, Copy)]
pub(super) struct Format {
    pub format: CaptureFormat,
    pub verbose: bool,
    pub color: bool,
}

/// A formatted batch on its way to the writer, and the batch it came from (to go back to the
/// reader).
struct Done {
    input: Batch,
    output: Lines,
}

/// Writes the lines of the whole file (within its limits) to `out`; returns the number of
/// packets.
pub(super) fn parallel(
    reader: &mut FileReader,
    out: &mut (impl Write + Send),
    ann: &Annotator,
    cfg: &DecodeConfig,
    fmt: Format,
    workers: usize,
) -> Result<u64, PumpError> {
    let dlt = reader.dlt();
    let link = link_type(dlt).ok_or_else(|| {
        anyhow!("link type {dlt} is not decoded (Ethernet, Linux SLL/SLL2 and raw IP are)")
    })?;
    let header = reader.header;
    std::thread::scope(|scope| {
        // Input batches back from the writer to this thread.
        let (spare_tx, spare_rx) = channel::<Batch>();
        let mut queues: Vec<SyncSender<Batch>> = Vec::with_capacity(workers);
        let mut outputs: Vec<Receiver<Done>> = Vec::with_capacity(workers);
        let mut buffers: Vec<SyncSender<Lines>> = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (tx, rx) = sync_channel::<Batch>(QUEUE);
            let (done_tx, done_rx) = sync_channel::<Done>(QUEUE);
            // Output buffers back from the writer; the worker starts with none and makes them.
            let (buf_tx, buf_rx) = sync_channel::<Lines>(QUEUE + 2);
            queues.push(tx);
            outputs.push(done_rx);
            buffers.push(buf_tx);
            scope.spawn(move || {
                let mut names = Stats::new(ann);
                let mut rec = PacketRecord::default();
                // A new buffer (when none is back from the writer yet) starts as large as the
                // last output, not empty: growing one by doubling touched fresh pages each time.
                let mut last = 0;
                for input in rx {
                    let mut output = buf_rx
                        .try_recv()
                        .unwrap_or_else(|_| Lines::with_capacity(last + last / 4));
                    output.clear();
                    for p in input.packets(&header) {
                        decode_into(&mut rec, link, p.ts_ns, p.wire_len, p.data, cfg);
                        match fmt.format {
                            CaptureFormat::Text => {
                                let (n, flow) = names.record_text(&mut rec);
                                text::write_line(&mut output, &rec, n, flow, fmt.color);
                                if fmt.verbose {
                                    output.append_with(|b| text::layered(b, &rec));
                                }
                            }
                            CaptureFormat::Json => {
                                let n = names.record(&mut rec);
                                json::write_line(&mut output, &rec, &n)
                            }
                        }
                    }
                    last = output.len();
                    // The writer may have stopped (a closed pipe); then this worker ends.
                    if done_tx.send(Done { input, output }).is_err() {
                        break;
                    }
                }
            });
        }
        let writer = scope.spawn(move || -> Result<()> {
            // The workers' outputs in the order the batches were handed out; a worker that
            // ends (its queue closed and drained) ends the file.
            for i in (0..workers).cycle() {
                let Ok(done) = outputs[i].recv() else {
                    break;
                };
                write_out(out, done.output.as_bytes())?;
                let _ = buffers[i].try_send(done.output);
                let _ = spare_tx.send(done.input);
            }
            Ok(())
        });
        // Every worker's queue full, one being decoded and one waiting for the writer each, and
        // one being read.
        let mut spare: Vec<Batch> = (0..workers * (QUEUE + 2) + 1)
            .map(|_| Batch::default())
            .collect();
        let mut n = 0u64;
        let mut next = 0;
        let result = loop {
            let mut batch = match spare.pop() {
                Some(b) => b,
                None => match spare_rx.recv() {
                    Ok(b) => b,
                    // The writer stopped (its error is returned below).
                    Err(_) => break Ok(n),
                },
            };
            match reader.fill(&mut batch) {
                Ok(true) => {
                    let packets = batch.packets;
                    if queues[next].send(batch).is_err() {
                        break Ok(n);
                    }
                    n += packets;
                    next = (next + 1) % workers;
                }
                Ok(false) => break Ok(n),
                Err(error) => break Err(PumpError::Read { after: n, error }),
            }
        };
        // Closing the queues ends the workers once they have formatted what they hold, and the
        // writer once it has written it.
        drop(queues);
        drop(spare_rx);
        match writer.join() {
            Ok(Ok(())) => result,
            Ok(Err(e)) => Err(PumpError::Other(e)),
            Err(p) => std::panic::resume_unwind(p),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::testutil::{lab_intent, repeated_mix};
    use crate::source::pcap::{open_file, CaptureFile, Next, Packets};
    use std::path::Path;

    /// The text lines of reading one packet after another, as the packet loop does.
    fn sequential(path: &Path, ann: &Annotator) -> (Vec<u8>, u64) {
        let cfg = DecodeConfig::default();
        let mut names = Stats::new(ann);
        let mut src = open_file(path).expect("opens");
        let (mut out, mut n) = (Vec::new(), 0);
        while let Ok(Next::Packet(p)) = src.next() {
            let mut rec = netdiag_parsers::packet::decode(
                netdiag_core::model::packet::LinkType::Ethernet,
                p.ts_ns,
                p.wire_len,
                p.data,
                &cfg,
            );
            let names = names.record(&mut rec);
            text::line(&mut out, &rec, &names, false);
            n += 1;
        }
        (out, n)
    }

    #[test]
    fn a_cut_file_prints_every_line_before_the_cut_then_the_error() {
        let ann = Annotator::new(&lab_intent());
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, _) = repeated_mix(dir.path(), 500);
        let bytes = std::fs::read(&path).expect("read");
        std::fs::write(&path, &bytes[..bytes.len() * 2 / 3]).expect("cut");
        let (want, count) = sequential(&path, &ann);
        let CaptureFile::Pcap(mut reader) = open_file(&path).expect("opens") else {
            panic!("classic pcap");
        };
        let fmt = Format {
            format: CaptureFormat::Text,
            verbose: false,
            color: false,
        };
        let mut got = Vec::new();
        let r = parallel(
            &mut reader,
            &mut got,
            &ann,
            &DecodeConfig::default(),
            fmt,
            3,
        );
        let Err(PumpError::Read { after, error }) = r else {
            panic!("the cut is an error");
        };
        assert!(error.contains("ends inside a record"), "{error}");
        assert_eq!(after, count);
        assert!(got == want, "the lines before the cut, in order");
    }

    /// A reader of the output that goes away (a closed pipe): the workers and the reader stop,
    /// and the writer's error is the result.
    #[test]
    fn a_closed_output_stops_everything() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let ann = Annotator::new(&lab_intent());
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, _) = repeated_mix(dir.path(), 3000);
        let CaptureFile::Pcap(mut reader) = open_file(&path).expect("opens") else {
            panic!("classic pcap");
        };
        let fmt = Format {
            format: CaptureFormat::Json,
            verbose: false,
            color: false,
        };
        let r = parallel(
            &mut reader,
            &mut Closed,
            &ann,
            &DecodeConfig::default(),
            fmt,
            2,
        );
        assert!(matches!(r, Err(PumpError::Other(_))));
    }
}
