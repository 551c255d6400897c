import ClosebellCore
import ClosebellStorage
import Foundation
import Logging

/// What follows new market data or new predictions: predictions' target dates corrected to the
/// day that came (``OutcomeStore/correctTargetDates(market:from:to:)``), then degradation alerts
/// evaluated (``DegradationCheck``). Neither ever fails the ingest or run that triggered it.
public struct OutcomeRefresh {
    /// How far before an ingested day predictions may still be waiting for it (a halt longer
    /// than this keeps the calendar's guess in `predictions`; `prediction_outcomes` is exact anyway).
    public static let lookbackDays: Int32 = 45

    let db: PGConnection
    let followUp: OutcomeFollowUp?
    let logger: Logger

    public init(db: PGConnection, followUp: OutcomeFollowUp? = nil, logger: Logger = Logger(label: "closebell.outcomes")) {
        self.db = db
        self.followUp = followUp
        self.logger = logger
    }

    /// After an ingest: the days of the files loaded or replaced, per market. Where predictions
    /// may wait for those days, their target dates are corrected and the accuracy of the as-of
    /// days concerned recomputed; then degradation is checked.
    public func afterIngest(_ reports: [IngestReport]) {
        var byMarket: [String: Set<Day>] = [:], replacing: Set<String> = []
        for r in reports where r.outcome == .loaded || r.outcome == .replaced {
            guard let n = DailyFileName(r.file) else { continue }
            byMarket[n.market, default: []].insert(n.day)
            if r.outcome == .replaced { replacing.insert(n.market) }
        }
        let store = OutcomeStore(db: db)
        var touched = false
        for (market, days) in byMarket.sorted(by: { $0.key < $1.key }) {
            let lo = Day(daysSinceEpoch: days.min()!.daysSinceEpoch - Self.lookbackDays), hi = days.max()!
            do {
                guard try store.hasPredictions(market: market, from: lo, to: hi) else { continue }
                touched = true
                if days.count <= Self.fewDays && !replacing.contains(market) {
                    // The daily file: only its symbols' previous days change, found from its rows.
                    let (changed, asOf) = try store.settleNewDays(market: market, days: Array(days))
                    if changed > 0 {
                        logger.info("target dates corrected to the days that came", metadata: ["predictions": "\(changed)"])
                    }
                    try store.refreshAccuracy(market: market, days: Array(Set(asOf).union(days)).sorted())
                    continue
                }
                let changed = try store.correctTargetDates(market: market, from: lo, to: hi)
                if changed > 0 {
                    logger.info("target dates corrected to the days that came", metadata: ["predictions": "\(changed)"])
                }
                // A few days (the daily file): just the as-of days they complete; a history: the range.
                if days.count <= Self.fewDays {
                    try store.refreshAccuracy(market: market, days: try store.daysTouchedByIngest(market: market, days: Array(days)))
                } else {
                    try store.refreshAccuracy(market: market, from: lo, to: hi)
                }
            } catch {
                logger.warning("could not bring outcomes up to date", metadata: ["market": "\(market)", "error": "\(error)"])
            }
        }
        if touched { followUp?.checkAccuracy(db) }
    }

    /// Ingests of up to this many days refresh accuracy day by day; longer ones by range.
    static let fewDays = 5
}
