//! Crash safety: a process accepting a burst is killed with SIGKILL at random moments and started
//! again, many times. Afterwards every accepted message was sent exactly once, or is still queued,
//! or — caught in the middle of a send — is marked for a person to check and was sent at most once.
//! Nothing accepted is lost and nothing is sent twice.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use switchboard_engine::domain::MessageStatus;
use switchboard_engine::store::{MessageFilter, Store};
use switchboard_testkit::FakeEvolution;

const KEY: &str = "crash-key";
const BURST: usize = 150;
const KILLS: usize = 25;

/// A small deterministic generator for kill delays (xorshift), seeded per run and printed.
struct Delays(u64);

impl Delays {
    fn next_millis(&mut self, max: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % max
    }
}

/// Runs the harness once; returns the messages it accepted and whether it finished on its own.
fn run(data: &std::path::Path, fake: &str, kill_after: Option<Duration>) -> (Vec<usize>, bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crash-harness"))
        .args([data.to_str().expect("utf-8 path"), fake, KEY, &BURST.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn harness");
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter_map(|line| line.strip_prefix("accepted ").and_then(|n| n.parse().ok()))
            .collect::<Vec<usize>>()
    });
    let finished = match kill_after {
        Some(delay) => {
            std::thread::sleep(delay);
            let _ = child.kill(); // SIGKILL on Unix: no chance to clean up.
            let _ = child.wait();
            false
        }
        None => {
            let deadline = Instant::now() + Duration::from_secs(120);
            loop {
                if let Some(status) = child.try_wait().expect("wait") {
                    break status.success();
                }
                assert!(Instant::now() < deadline, "the final run did not finish");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    };
    (reader.join().expect("reader"), finished)
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_at_random_moments_loses_nothing_and_sends_nothing_twice() {
    let fake = FakeEvolution::start(KEY).await;
    let data = tempfile::tempdir().expect("data dir");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_nanos() as u64
        | 1;
    let mut delays = Delays(seed);
    let url = fake.url().to_owned();
    let dir = data.path().to_owned();

    let mut accepted = std::collections::BTreeSet::new();
    let mut kills = 0;
    while kills < KILLS {
        // Early kills land in start-up and the burst; later ones in the middle of sending.
        let delay = Duration::from_millis(30 + delays.next_millis(400));
        let (dir, url) = (dir.clone(), url.clone());
        let (got, _) = tokio::task::spawn_blocking(move || run(&dir, &url, Some(delay)))
            .await
            .expect("run");
        accepted.extend(got);
        kills += 1;
    }
    let (dir2, url2) = (dir.clone(), url.clone());
    let (got, finished) = tokio::task::spawn_blocking(move || run(&dir2, &url2, None))
        .await
        .expect("final run");
    accepted.extend(got);
    assert!(
        finished,
        "the final, uninterrupted run failed (it must drain the outbox and exit cleanly)"
    );

    let mut sent_counts: HashMap<String, usize> = HashMap::new();
    for sent in fake.sent() {
        *sent_counts
            .entry(sent.body["text"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    let store = Store::open(&dir.join("switchboard.db")).await.expect("store");
    let log = store
        .messages(&MessageFilter {
            limit: Some(500),
            ..Default::default()
        })
        .await
        .expect("log");
    let by_text: HashMap<String, _> = log
        .iter()
        .map(|m| (m.body.clone().unwrap_or_default(), m))
        .collect();

    let (mut sent_once, mut queued, mut for_review) = (0, 0, 0);
    for n in &accepted {
        let text = format!("burst {n}");
        let copies = sent_counts.get(&text).copied().unwrap_or(0);
        assert!(copies <= 1, "{text} was sent {copies} times");
        let message = by_text
            .get(&text)
            .unwrap_or_else(|| panic!("{text} was accepted but is not in the log"));
        match message.status {
            MessageStatus::Sent => {
                assert_eq!(copies, 1, "{text} is marked sent but the server never got it");
                sent_once += 1;
            }
            MessageStatus::Queued => queued += 1,
            MessageStatus::Failed if message.error_code.as_deref() == Some("interrupted") => for_review += 1,
            other => panic!("{text} ended {other:?}"),
        }
    }
    assert_eq!(log.len(), BURST, "one row per message, whatever the retries");
    assert_eq!(accepted.len(), BURST);
    println!(
        "crash test: {kills} SIGKILLs (seed {seed}); {} accepted: {sent_once} sent exactly once, {queued} still queued, {for_review} caught mid-send and marked for review (each sent at most once)",
        accepted.len()
    );
}
