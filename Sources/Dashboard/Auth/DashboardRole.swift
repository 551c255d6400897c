/// What a signed-in user or API client may do.
public enum DashboardRole: String, Sendable, Codable, CaseIterable {
    /// Everything: launch, cancel and retry runs, besides viewing and exporting.
    case admin
    /// Analysts: view every page and export; no launch, cancel or retry.
    case viewer

    /// Whether the role may change state (launch, cancel, retry).
    public var mayOperate: Bool { self == .admin }
}
