/// The special JSON forms of `google.protobuf.Timestamp` and `Duration`.
///
/// Timestamps are RFC 3339 strings in UTC with 0, 3, 6 or 9 fractional digits
/// (`"2026-11-30T23:30:00.250Z"`); durations are seconds with an `s` suffix
/// (`"1.500s"`, `"-0.000000001s"`). Both accept any offset or digit count on input.
public enum ProtoWellKnownJSON {
    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range protobuf allows.
    public static let minTimestampSeconds: Int64 = -62_135_596_800
    public static let maxTimestampSeconds: Int64 = 253_402_300_799
    /// About 10,000 years, the range protobuf allows for a duration.
    public static let maxDurationSeconds: Int64 = 315_576_000_000

    public static func formatTimestamp(seconds: Int64, nanos: Int32) -> String {
        let days = floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        text += pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        text += fraction(Int64(nanos))
        return text + "Z"
    }

    public static func parseTimestamp(_ json: ProtoJSONValue) throws(ProtoJSONError) -> (seconds: Int64, nanos: Int32) {
        guard case .string(let text) = json else {
            throw ProtoJSONError(.typeMismatch, "expected an RFC 3339 timestamp string, found \(json.kindName)")
        }
        let invalid = ProtoJSONError(.invalidValue, "\"\(text)\" is not an RFC 3339 timestamp")
        let b = Array(text.utf8)
        func digits(_ at: Int, _ count: Int) -> Int64? {
            guard at + count <= b.count else { return nil }
            var v: Int64 = 0
            for i in at..<at + count {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                v = v * 10 + Int64(b[i] - 0x30)
            }
            return v
        }
        guard b.count >= 20, let year = digits(0, 4), b[4] == UInt8(ascii: "-"), let month = digits(5, 2),
            b[7] == UInt8(ascii: "-"), let day = digits(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
            let hour = digits(11, 2), b[13] == UInt8(ascii: ":"), let minute = digits(14, 2),
            b[16] == UInt8(ascii: ":"), let second = digits(17, 2)
        else { throw invalid }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year, month), hour < 24, minute < 60, second < 60
        else { throw invalid }
        var i = 19
        var nanos: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var count = 0
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                guard count < 9 else { throw invalid }
                nanos = nanos * 10 + Int64(b[i] - 0x30)
                count += 1
                i += 1
            }
            guard count > 0 else { throw invalid }
            for _ in count..<9 { nanos *= 10 }
        }
        var offset: Int64 = 0
        guard i < b.count else { throw invalid }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
            guard let oh = digits(i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"), let om = digits(i + 4, 2),
                oh < 24, om < 60
            else { throw invalid }
            offset = sign * (oh * 3600 + om * 60)
            i += 6
        } else {
            throw invalid
        }
        guard i == b.count else { throw invalid }
        let seconds = days(fromCivil: year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        guard seconds >= minTimestampSeconds, seconds <= maxTimestampSeconds else {
            throw ProtoJSONError(.outOfRange, "\"\(text)\" is outside 0001-01-01 to 9999-12-31")
        }
        return (seconds, Int32(nanos))
    }

    public static func formatDuration(seconds: Int64, nanos: Int32) -> String {
        let negative = seconds < 0 || nanos < 0
        let magnitude = seconds.magnitude
        let nanoMagnitude = Int64(nanos.magnitude)
        return (negative ? "-" : "") + String(magnitude) + fraction(nanoMagnitude) + "s"
    }

    public static func parseDuration(_ json: ProtoJSONValue) throws(ProtoJSONError) -> (seconds: Int64, nanos: Int32) {
        guard case .string(let text) = json else {
            throw ProtoJSONError(.typeMismatch, "expected a duration string such as \"1.5s\", found \(json.kindName)")
        }
        let invalid = ProtoJSONError(.invalidValue, "\"\(text)\" is not a duration such as \"1.5s\"")
        var b = Array(text.utf8)
        guard b.last == UInt8(ascii: "s") else { throw invalid }
        b.removeLast()
        var negative = false
        if b.first == UInt8(ascii: "-") {
            negative = true
            b.removeFirst()
        }
        var seconds: Int64 = 0
        var nanos: Int64 = 0
        var i = 0
        var intDigits = 0
        while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
            guard intDigits < 12 else { throw invalid }
            seconds = seconds * 10 + Int64(b[i] - 0x30)
            intDigits += 1
            i += 1
        }
        guard intDigits > 0 else { throw invalid }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var count = 0
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                guard count < 9 else { throw invalid }
                nanos = nanos * 10 + Int64(b[i] - 0x30)
                count += 1
                i += 1
            }
            guard count > 0 else { throw invalid }
            for _ in count..<9 { nanos *= 10 }
        }
        guard i == b.count else { throw invalid }
        guard seconds <= maxDurationSeconds else {
            throw ProtoJSONError(.outOfRange, "\"\(text)\" exceeds \(maxDurationSeconds) seconds")
        }
        return negative ? (-seconds, Int32(-nanos)) : (seconds, Int32(nanos))
    }

    // MARK: Calendar arithmetic (proleptic Gregorian, after Howard Hinnant's algorithms)

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(_ year: Int64, _ month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// ".sss", ".ssssss" or ".sssssssss" (or nothing), the shortest that is exact.
    static func fraction(_ nanos: Int64) -> String {
        if nanos == 0 { return "" }
        if nanos % 1_000_000 == 0 { return "." + pad(nanos / 1_000_000, 3) }
        if nanos % 1000 == 0 { return "." + pad(nanos / 1000, 6) }
        return "." + pad(nanos, 9)
    }
}
