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

    /// After an ingest: the days of the files loaded or replaced, per market.
    public func afterIngest(_ reports: [IngestReport]) {
        var ranges: [String: (Day, Day)] = [:]
        for r in reports where r.outcome == .loaded || r.outcome == .replaced {
            guard let n = DailyFileName(r.file) else { continue }
            let (lo, hi) = ranges[n.market] ?? (n.day, n.day)
            ranges[n.market] = (min(lo, n.day), max(hi, n.day))
        }
        for (market, (lo, hi)) in ranges.sorted(by: { $0.key < $1.key }) {
            do {
                let changed = try OutcomeStore(db: db).correctTargetDates(
                    market: market, from: Day(daysSinceEpoch: lo.daysSinceEpoch - Self.lookbackDays), to: hi)
                if changed > 0 {
                    logger.info("target dates corrected to the days that came", metadata: ["predictions": "\(changed)"])
                }
            } catch {
                logger.warning("could not correct target dates", metadata: ["market": "\(market)", "error": "\(error)"])
            }
        }
        if !ranges.isEmpty { followUp?.checkAccuracy(db) }
    }
}
