/// Which chunk queue a run's chunks go to: `high` is drained by every worker before `normal`,
/// so a daily run launched while a large backfill is queued is served first.
public enum RunPriority: String, Sendable, Codable, CaseIterable {
    case normal, high
}
