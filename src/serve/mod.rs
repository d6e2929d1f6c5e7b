//! `casebook serve`: builds the site into memory, serves it on 127.0.0.1, rebuilds when an input
//! changes and tells open pages to reload.
//!
//! Four parts, one file each: `watch` turns file events into changes of the inputs, `rebuild`
//! runs the whole pipeline ([`crate::render`]) and decides what open pages are told, `http`
//! reads requests within bounds and answers them from the last good build, and `live` streams
//! events to pages and holds the script injected into them. Nothing is written to disk.
//!
//! ```no_run
//! let server = casebook::serve::start(casebook::serve::ServeOptions::new("my-casebook"))?;
//! println!("open {}", server.url());
//! server.wait();
//! # Ok::<(), casebook::serve::StartError>(())
//! ```

mod http;
mod live;
mod rebuild;
mod watch;

pub use http::{MAX_CONNECTIONS, MAX_HEAD};
pub use rebuild::{BuildReport, Cause, OnBuild};

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct ServeOptions {
    /// The folder holding `site.yaml`.
    pub root: PathBuf,
    /// 127.0.0.1 unless the preview is to be reachable from other machines.
    pub bind: IpAddr,
    /// 0 takes any free port.
    pub port: u16,
    /// Include pages marked `draft: true` (the default when serving).
    pub drafts: bool,
    /// How long the inputs must be quiet before a rebuild, so that one save is one rebuild.
    pub debounce: Duration,
    /// Called after the first build and after every rebuild, on the rebuild thread.
    pub on_build: Option<OnBuild>,
}

impl ServeOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ServeOptions {
            root: root.into(),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 1111,
            drafts: true,
            debounce: Duration::from_millis(10),
            on_build: None,
        }
    }
}

#[derive(Debug)]
pub enum StartError {
    /// The port is taken; `next_free` is the first free port after it, if one was found.
    PortInUse {
        addr: SocketAddr,
        next_free: Option<u16>,
    },
    Listen(SocketAddr, std::io::Error),
    /// `--root` names no folder.
    NoRoot(PathBuf),
    Watch(PathBuf, notify::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::PortInUse { addr, next_free } => {
                write!(f, "{addr} is already in use")?;
                match next_free {
                    Some(port) => write!(
                        f,
                        "; port {port} is free: serve there with --port {port}, or use --port 0 for any free port"
                    ),
                    None => write!(f, "; use --port 0 for any free port"),
                }
            }
            StartError::Listen(addr, e) => write!(f, "cannot listen on {addr}: {e}"),
            StartError::NoRoot(root) => write!(
                f,
                "there is no folder {}; --root names the folder holding site.yaml",
                root.display()
            ),
            StartError::Watch(root, e) => {
                let why = match &e.kind {
                    notify::ErrorKind::Generic(text) => text.clone(),
                    notify::ErrorKind::Io(e) => e.to_string(),
                    notify::ErrorKind::PathNotFound => "a folder in it went away".into(),
                    notify::ErrorKind::MaxFilesWatch => "the system's limit on watched folders is reached (on Linux, raise fs.inotify.max_user_watches)".into(),
                    notify::ErrorKind::WatchNotFound | notify::ErrorKind::InvalidConfig(_) => {
                        "the file watcher failed".into()
                    }
                };
                write!(f, "cannot watch {} for changes: {why}", root.display())
            }
        }
    }
}

impl std::error::Error for StartError {}

/// A running preview server. Dropping it (or [`Server::shutdown`]) stops every thread it started
/// and closes the port.
pub struct Server {
    addr: SocketAddr,
    url: String,
    shared: Arc<Shared>,
    /// The thread accepting connections; each connection then has a thread of its own.
    acceptor: Option<JoinHandle<()>>,
    connections: Arc<http::Connections>,
    stopping: Arc<AtomicBool>,
    changes: Sender<watch::Change>,
    rebuilds: Option<JoinHandle<()>>,
}

/// Builds the site, starts watching its inputs and serves it. Returns once the first build is
/// done (successful or not: a failed site is served as its errors until it builds).
pub fn start(mut options: ServeOptions) -> Result<Server, StartError> {
    if !options.root.is_dir() {
        return Err(StartError::NoRoot(options.root.clone()));
    }
    let listener = listen(options.bind, options.port)?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Listen(SocketAddr::new(options.bind, options.port), e))?;
    let url = url_of(addr);
    let build = crate::BuildOptions {
        base_url: Some(url.clone()),
        drafts: options.drafts,
        serve_mode: true,
        ..crate::BuildOptions::new(&options.root)
    };
    let root = crate::output::absolute(&options.root);
    let output = crate::output::absolute(&build.output_dir());

    // Watch before the first build, so that nothing saved during it is missed. Connections wait
    // in the listener's queue until the first build is done.
    let (changes, received) = mpsc::channel();
    let watched = watch::Watched::start(&root, &output, changes.clone())
        .map_err(|e| StartError::Watch(root.clone(), e))?;
    let shared = Arc::new(Shared::new(addr));
    let mut rebuilder = rebuild::Rebuilder::new(
        build,
        Arc::clone(&shared),
        options.debounce,
        options.on_build.take(),
    );
    rebuilder.build(Cause::Start);
    let rebuilds = std::thread::Builder::new()
        .name("casebook-rebuild".into())
        .spawn(move || rebuilder.run(watched, received))
        .map_err(|e| StartError::Listen(addr, e))?;
    let stopping = Arc::new(AtomicBool::new(false));
    let connections = Arc::new(http::Connections::default());
    let acceptor = {
        let (shared, stopping, connections) = (
            Arc::clone(&shared),
            Arc::clone(&stopping),
            Arc::clone(&connections),
        );
        std::thread::Builder::new()
            .name("casebook-accept".into())
            .spawn(move || accept(&listener, &shared, &stopping, &connections))
            .map_err(|e| StartError::Listen(addr, e))?
    };
    Ok(Server {
        addr,
        url,
        shared,
        acceptor: Some(acceptor),
        connections,
        stopping,
        changes,
        rebuilds: Some(rebuilds),
    })
}

/// Accepts connections until the server stops, each served on a thread of its own, at most
/// [`MAX_CONNECTIONS`] at once: past that a connection is told to come back.
fn accept(
    listener: &TcpListener,
    shared: &Arc<Shared>,
    stopping: &AtomicBool,
    connections: &Arc<http::Connections>,
) {
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else {
            // Out of file descriptors, or a connection reset before it was accepted.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let Some(admitted) = connections.admit(&stream) else {
            http::turn_away(stream);
            continue;
        };
        let shared = Arc::clone(shared);
        // If no thread can be had, the connection closes with the closure.
        let _ = std::thread::Builder::new()
            .name("casebook-http".into())
            .spawn(move || {
                http::serve_connection(stream, &shared);
                drop(admitted);
            });
    }
}

/// Binds `ip:port`; when the port is taken, finds the next free one to suggest.
fn listen(ip: IpAddr, port: u16) -> Result<TcpListener, StartError> {
    let addr = SocketAddr::new(ip, port);
    match TcpListener::bind(addr) {
        Ok(listener) => Ok(listener),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && port != 0 => {
            let next_free = (port.saturating_add(1)..=port.saturating_add(100))
                .filter(|&p| p != port)
                .find(|&p| TcpListener::bind(SocketAddr::new(ip, p)).is_ok());
            Err(StartError::PortInUse { addr, next_free })
        }
        Err(e) => Err(StartError::Listen(addr, e)),
    }
}

/// The address to open: a listener on every interface is reached locally through loopback.
fn url_of(addr: SocketAddr) -> String {
    format!(
        "http://{}/",
        SocketAddr::new(local_ip(addr.ip()), addr.port())
    )
}

/// Where this machine reaches a listener on `ip`.
fn local_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    }
}

impl Server {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/`, also the site's base URL while serving.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The output paths of the build being served, sorted.
    pub fn served_paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self.shared.snapshot().files.keys().cloned().collect();
        paths.sort();
        paths
    }

    /// Blocks until the server stops: in practice, until the process is interrupted.
    pub fn wait(mut self) {
        if let Some(rebuilds) = self.rebuilds.take() {
            let _ = rebuilds.join();
        }
    }

    /// Stops watching, closes every connection and the port, and joins the threads.
    pub fn shutdown(self) {}

    fn stop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = self.changes.send(watch::Change::Stop);
        if let Some(rebuilds) = self.rebuilds.take() {
            let _ = rebuilds.join();
        }
        if let Some(acceptor) = self.acceptor.take() {
            // The acceptor sees `stopping` at its next connection: this one.
            let woken = TcpStream::connect_timeout(
                &SocketAddr::new(local_ip(self.addr.ip()), self.addr.port()),
                Duration::from_secs(1),
            );
            if woken.is_ok() {
                let _ = acceptor.join();
            }
        }
        self.connections.close_all();
        self.shared.disconnect_all();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The site's files by output path.
type Files = crate::hash::PathMap<bytes::Bytes>;

/// What is being served: the last good build, and the errors of the latest build if it failed.
struct Snapshot {
    /// Names the build the files come from; pages carry it and compare it on connecting.
    build: String,
    files: Arc<Files>,
    /// False until the site has built once.
    built: bool,
    /// The `errors` event, while the latest build has failed.
    errors: Option<Arc<str>>,
}

/// State shared by the rebuild thread and the HTTP threads.
struct Shared {
    addr: SocketAddr,
    snapshot: Mutex<Arc<Snapshot>>,
    /// One sender per connected page.
    clients: Mutex<Vec<Sender<Arc<str>>>>,
}

impl Shared {
    fn new(addr: SocketAddr) -> Self {
        Shared {
            addr,
            snapshot: Mutex::new(Arc::new(Snapshot {
                build: "none".into(),
                files: Arc::default(),
                built: false,
                errors: None,
            })),
            clients: Mutex::default(),
        }
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&lock(&self.snapshot))
    }

    /// A new page's events: first `hello` (and `errors` while the build is broken), then every
    /// event published after. Under the clients' lock, like [`Shared::publish`], so that a page
    /// connecting during a rebuild gets either the new state or the events announcing it.
    fn subscribe(&self) -> Receiver<Arc<str>> {
        let (sender, receiver) = mpsc::channel();
        let mut clients = lock(&self.clients);
        let snapshot = self.snapshot();
        let _ = sender.send(live::hello(&snapshot.build).into());
        if let Some(errors) = &snapshot.errors {
            let _ = sender.send(Arc::clone(errors));
        }
        clients.push(sender);
        receiver
    }

    /// Serves `snapshot` from now on and sends `events` to every connected page.
    fn publish(&self, snapshot: Snapshot, events: &[String]) {
        let mut clients = lock(&self.clients);
        *lock(&self.snapshot) = Arc::new(snapshot);
        for event in events {
            let event: Arc<str> = event.as_str().into();
            clients.retain(|client| client.send(Arc::clone(&event)).is_ok());
        }
    }

    /// Ends every event stream (their threads see the sender go and return).
    fn disconnect_all(&self) {
        lock(&self.clients).clear();
    }
}

/// A panic elsewhere must not stop the server: the data behind a poisoned lock is still whole
/// (every critical section is a single assignment or a push).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_of_a_listener_on_every_interface_is_local() {
        let url = |s: &str| url_of(s.parse().unwrap());
        assert_eq!(url("127.0.0.1:1111"), "http://127.0.0.1:1111/");
        assert_eq!(url("0.0.0.0:8080"), "http://127.0.0.1:8080/");
        assert_eq!(url("[::]:8080"), "http://[::1]:8080/");
        assert_eq!(url("192.168.1.5:1111"), "http://192.168.1.5:1111/");
    }

    #[test]
    fn a_taken_port_is_reported_with_the_next_free_one() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        match listen(IpAddr::V4(Ipv4Addr::LOCALHOST), port) {
            Err(StartError::PortInUse { addr, next_free }) => {
                assert_eq!(addr.port(), port);
                let next = next_free.expect("a free port nearby");
                assert!(next > port);
                let message = StartError::PortInUse { addr, next_free }.to_string();
                assert!(message.contains(&format!("--port {next}")), "{message}");
            }
            other => panic!("expected PortInUse, got {other:?}"),
        }
    }
}
