/// How urgent a task is (proto `Priority`). The scheduler leases higher priorities
/// first, then applies fair share, then age.
public enum Priority: Int, Hashable, Comparable, Sendable, CaseIterable {
    case low = 1
    case normal = 2
    case high = 3
    case critical = 4

    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rawValue < rhs.rawValue }
}
