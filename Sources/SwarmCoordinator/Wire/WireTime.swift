import SwarmCore
import SwarmProto

/// Instants and durations between the core (milliseconds) and the well-known types.
enum WireTime {
    static func timestamp(_ instant: Instant) -> Google_Protobuf_Timestamp {
        var stamp = Google_Protobuf_Timestamp()
        let ms = instant.millisecondsSinceEpoch
        stamp.seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        stamp.nanos = Int32((ms - stamp.seconds * 1000) * 1_000_000)
        return stamp
    }

    static func instant(_ stamp: Google_Protobuf_Timestamp) -> Instant {
        Instant(millisecondsSinceEpoch: stamp.seconds &* 1000 &+ Int64(stamp.nanos / 1_000_000))
    }

    static func duration(_ duration: Duration) -> Google_Protobuf_Duration {
        let (seconds, attoseconds) = duration.components
        var wire = Google_Protobuf_Duration()
        wire.seconds = seconds
        wire.nanos = Int32(attoseconds / 1_000_000_000)
        return wire
    }

    /// nil for an absent or non-positive duration (proto3 "unset means default").
    static func duration(_ wire: Google_Protobuf_Duration?) -> Duration? {
        guard let wire else { return nil }
        let value = Duration.seconds(wire.seconds) + .nanoseconds(Int64(wire.nanos))
        return value > .zero ? value : nil
    }
}
