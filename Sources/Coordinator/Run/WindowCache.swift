import ClosebellCore
import ClosebellStorage

/// A resident coordinator's daily windows, kept from one run to the next, so that a day's run
/// reads from PostgreSQL only the days it has not read before: after the evening before, the
/// new day alone (10,000 rows instead of 210,000 for 10,000 symbols and 21-row windows).
///
/// Kept are the rows a whole-market read (``WindowRead/unfiltered``) found on its window's days,
/// with the snapshot of the statement that asked, just before those rows were read, what had
/// changed (``MarketStore/ohlcvChanges(since:)``). Before they are used again, the changes
/// committed since that snapshot are listed: days a change declared (an ingest declares its
/// files' days) are read again with every later day; a change that declared nothing (an
/// operator's `UPDATE`, a `TRUNCATE`) sends the whole window to the database. So a run gets the
/// windows a read of the database would give it.
///
/// Used from one thread, as the ``RunSession`` that holds it.
public final class WindowCache: @unchecked Sendable {
    /// What a read takes from the cache (`keep`) and what it still reads (`fetch`, nil: nothing).
    struct Reuse: Equatable {
        let keep: ClosedRange<Day>
        let fetch: ClosedRange<Day>?
    }

    struct Kept {
        /// The days the kept read listed: a day it did not list (a late file's, come since) is
        /// never taken from it, though it lies between them.
        let days: Set<Day>
        let snapshot: String
        var rows: [String: SymbolSeries]
    }

    /// What is kept, per market (a watcher of several markets runs them in turn).
    var kept: [String: Kept] = [:]
    /// Reads served in part from the cache, and reads made whole (for the logs and the tests).
    public private(set) var hits = 0, misses = 0

    /// Empty: the first read fills it.
    public init() {}

    /// The snapshot from which to ask for changes before a read of `market`'s windows.
    func snapshot(for market: String) -> String? { kept[market]?.snapshot }

    /// What the cache can give `read`, after `changes` (committed since ``snapshot(for:)``):
    /// the window's oldest days that it holds and that no change may have touched. Nil when that
    /// is none of them (the read is made whole).
    func reuse(for read: WindowRead, after changes: OHLCVChanges) -> Reuse? {
        guard let k = kept[read.market], read.unfiltered, !read.days.isEmpty else { return nil }
        var n = 0
        for day in read.days {
            guard k.days.contains(day), !changes.mayHaveTouched(day...day) else { break }
            n += 1
        }
        guard n > 0 else { return nil }
        let fetch = n < read.days.count ? read.days[n]...read.days[read.days.count - 1] : nil
        return Reuse(keep: read.days[0]...read.days[n - 1], fetch: fetch)
    }

    /// The window rows of `read` from the kept rows of `reuse.keep` and the `fetched` rows of
    /// `reuse.fetch` (one series per symbol, oldest first); kept for the next read, from
    /// `snapshot` (that of the changes `reuse` was found after).
    func join(_ read: WindowRead, _ reuse: Reuse, fetched: [String: SymbolSeries],
              snapshot: String) -> [String: SymbolSeries] {
        var rows = kept.removeValue(forKey: read.market)?.rows ?? [:]  // changed in place: no second copy
        var i = rows.values.startIndex
        var emptied: [String] = []
        while i != rows.values.endIndex {
            rows.values[i].keep(reuse.keep)
            if rows.values[i].count == 0 { emptied.append(rows.keys[i]) }
            rows.values.formIndex(after: &i)
        }
        for symbol in emptied where fetched[symbol] == nil { rows.removeValue(forKey: symbol) }  // delisted
        Self.add(fetched, to: &rows)
        hits += 1
        kept[read.market] = Kept(days: Set(read.days), snapshot: snapshot, rows: rows)
        return rows
    }

    /// Keeps the rows of a whole read of `read`'s days (its spans' parts, oldest first), merged
    /// into one series per symbol, which it returns; from `snapshot`. A read of some symbols
    /// only is not kept (and leaves the cache as it was).
    func store(_ read: WindowRead, parts: [[String: SymbolSeries]], snapshot: String) -> [String: SymbolSeries] {
        var rows = parts.first ?? [:]
        for part in parts.dropFirst() { Self.add(part, to: &rows) }
        guard read.unfiltered, !read.days.isEmpty else { return rows }
        misses += 1
        kept[read.market] = Kept(days: Set(read.days), snapshot: snapshot, rows: rows)
        return rows
    }

    /// Appends each symbol's later rows to its series (a symbol new to `rows` gets them alone).
    private static func add(_ later: [String: SymbolSeries], to rows: inout [String: SymbolSeries]) {
        for (symbol, series) in later {
            if let i = rows.index(forKey: symbol) {
                rows.values[i].append(contentsOf: series)
            } else {
                rows[symbol] = series
            }
        }
    }
}
