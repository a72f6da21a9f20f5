/// The version of Open-Swarm itself: the one place it is written.
///
/// `openswarm --version` and `openswarm version` both print it.
enum OpenSwarmVersion {
    static let current = "0.1.0"
}
