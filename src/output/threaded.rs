//! A sink run on a thread of its own. XLSX and SQLite both read every document and
//! cost several times what extraction does; fed through channels they write at the same
//! time instead of taking turns on the thread that reads the documents back.

use std::io;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::{Scope, ScopedJoinHandle};

use super::tables::{FileRow, Summary};
use super::Sink;
use crate::document::Form;

/// Messages in flight per sink: enough to ride over a slow form, few enough that the
/// documents waiting stay a few megabytes.
const QUEUE: usize = 64;

enum Message {
    Form(Arc<Form>),
    File(FileRow),
    /// All is sent: finish the sink. Without it (the run failed and the sender was
    /// dropped) the sink is dropped unfinished, as a sink on this thread would be: the
    /// SQLite transaction rolls back, the workbook is not saved.
    Finish,
}

/// A [`Sink`] whose work happens on a scoped thread; errors come back at the next call
/// or at [`Sink::finish`].
pub(super) struct Threaded<'scope> {
    sender: SyncSender<Message>,
    /// The thread; taken when it is joined.
    worker: Option<ScopedJoinHandle<'scope, io::Result<()>>>,
    reads_forms: bool,
}

impl<'scope> Threaded<'scope> {
    /// Starts `sink` on a thread of `scope`; it finishes with `summary`.
    pub fn spawn<'env>(
        scope: &'scope Scope<'scope, 'env>,
        sink: Box<dyn Sink + Send + 'env>,
        summary: &'env Summary,
    ) -> Self {
        let reads_forms = sink.reads_forms();
        let (sender, receiver) = mpsc::sync_channel(QUEUE);
        let worker = scope.spawn(move || run(sink, receiver, summary));
        Threaded {
            sender,
            worker: Some(worker),
            reads_forms,
        }
    }

    /// Sends `message`; when the thread has stopped (its sink failed), its error.
    fn send(&mut self, message: Message) -> io::Result<()> {
        if self.sender.send(message).is_ok() {
            return Ok(());
        }
        self.join()
            .and_then(|()| Err(io::Error::other("internal error: a writer thread stopped")))
    }

    /// Waits for the thread and returns what its sink returned.
    fn join(&mut self) -> io::Result<()> {
        match self.worker.take().map(|worker| worker.join()) {
            None => Ok(()),
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("internal error: a writer thread panicked")),
        }
    }
}

fn run(
    mut sink: Box<dyn Sink + Send + '_>,
    receiver: Receiver<Message>,
    summary: &Summary,
) -> io::Result<()> {
    for message in receiver {
        match message {
            Message::Form(form) => sink.form(&form)?,
            Message::File(row) => sink.file(&row)?,
            Message::Finish => return sink.finish(summary),
        }
    }
    Ok(()) // dropped unfinished: see [`Message::Finish`]
}

impl Sink for Threaded<'_> {
    fn reads_forms(&self) -> bool {
        self.reads_forms
    }

    fn form(&mut self, form: &Arc<Form>) -> io::Result<()> {
        self.send(Message::Form(Arc::clone(form)))
    }

    fn file(&mut self, row: &FileRow) -> io::Result<()> {
        self.send(Message::File(row.clone()))
    }

    fn finish(mut self: Box<Self>, _summary: &Summary) -> io::Result<()> {
        self.send(Message::Finish)?;
        self.join()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::document::test_support::minimal_form;

    /// Records what it is given; fails at form number `fail_at`.
    struct Recorder<'a> {
        log: &'a Mutex<Vec<String>>,
        fail_at: usize,
        forms: usize,
    }

    impl Sink for Recorder<'_> {
        fn reads_forms(&self) -> bool {
            true
        }
        fn form(&mut self, form: &Arc<Form>) -> io::Result<()> {
            self.forms += 1;
            if self.forms == self.fail_at {
                return Err(io::Error::other("disk on fire"));
            }
            self.log.lock().unwrap().push(form.form_id.clone());
            Ok(())
        }
        fn file(&mut self, row: &FileRow) -> io::Result<()> {
            self.log.lock().unwrap().push(row.path.clone());
            Ok(())
        }
        fn finish(self: Box<Self>, _summary: &Summary) -> io::Result<()> {
            self.log.lock().unwrap().push("finished".into());
            Ok(())
        }
    }

    fn recorder(log: &Mutex<Vec<String>>, fail_at: usize) -> Box<Recorder<'_>> {
        Box::new(Recorder {
            log,
            fail_at,
            forms: 0,
        })
    }

    fn row(path: &str) -> FileRow {
        FileRow {
            path: path.into(),
            form_id: String::new(),
            format: String::new(),
            status: "ok".into(),
            error: String::new(),
        }
    }

    #[test]
    fn a_threaded_sink_gets_everything_in_order_then_finishes() {
        let (log, summary) = (Mutex::new(Vec::new()), Summary::default());
        std::thread::scope(|scope| {
            let recorder = recorder(&log, 0);
            let mut sink = Box::new(Threaded::spawn(scope, recorder, &summary));
            assert!(sink.reads_forms());
            for i in 0..200 {
                sink.form(&Arc::new(minimal_form(&format!("f{i}"), "a.txt")))
                    .unwrap();
                sink.file(&row(&format!("p{i}"))).unwrap();
            }
            sink.finish(&summary).unwrap();
        });
        let log = log.into_inner().unwrap();
        let expected: Vec<String> = (0..200)
            .flat_map(|i| [format!("f{i}"), format!("p{i}")])
            .chain(["finished".to_string()])
            .collect();
        assert_eq!(log, expected);
    }

    #[test]
    fn a_failing_threaded_sink_reports_its_error_and_is_never_finished() {
        let (log, summary) = (Mutex::new(Vec::new()), Summary::default());
        let outcome = std::thread::scope(|scope| -> io::Result<()> {
            let recorder = recorder(&log, 3);
            let mut sink = Box::new(Threaded::spawn(scope, recorder, &summary));
            // Sends go on until the failure reaches this side (the queue holds some).
            for i in 0..10_000 {
                sink.form(&Arc::new(minimal_form(&format!("f{i}"), "a.txt")))?;
            }
            sink.finish(&summary)
        });
        let err = outcome.expect_err("the sink's error comes back");
        assert_eq!(err.to_string(), "disk on fire");
        let log = log.into_inner().unwrap();
        assert_eq!(
            log,
            ["f0", "f1"],
            "nothing after the failure, and no finish"
        );
    }

    #[test]
    fn a_threaded_sink_dropped_unfinished_is_not_finished() {
        let (log, summary) = (Mutex::new(Vec::new()), Summary::default());
        std::thread::scope(|scope| {
            let recorder = recorder(&log, 0);
            let mut sink = Threaded::spawn(scope, recorder, &summary);
            sink.file(&row("p0")).unwrap();
            drop(sink); // the run failed elsewhere
        });
        assert_eq!(log.into_inner().unwrap(), ["p0"]);
    }
}
