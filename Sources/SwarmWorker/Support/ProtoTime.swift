import Foundation
import SwarmProto

/// Conversions between Swift's `Duration`/`Date` and the protobuf well-known types,
/// which the generated code leaves as plain messages.
extension Google_Protobuf_Duration {
    init(_ duration: Duration) {
        self.init()
        let (seconds, attoseconds) = duration.components
        self.seconds = seconds
        self.nanos = Int32(attoseconds / 1_000_000_000)
    }

    var swiftDuration: Duration {
        .seconds(seconds) + .nanoseconds(Int64(nanos))
    }
}

extension Google_Protobuf_Timestamp {
    static func now() -> Google_Protobuf_Timestamp {
        Google_Protobuf_Timestamp(Date())
    }

    init(_ date: Date) {
        self.init()
        let interval = date.timeIntervalSince1970
        let seconds = interval.rounded(.down)
        self.seconds = Int64(seconds)
        self.nanos = Int32(min(999_999_999, max(0, ((interval - seconds) * 1e9).rounded())))
    }
}
