import ClosebellCore
import ClosebellStorage
import Foundation

extension RunCoordinator {
    /// A daily run's windows through the cache its market's file keeps (``RunOptions/windowCacheDirectory``):
    /// read as a resident coordinator reads them through its ``WindowCache`` — the changes since
    /// the file's snapshot first, then only the days the file cannot give — and written back for
    /// the next run on a thread of its own, while the chunks are published (the run waits for it
    /// before it returns), only when the read changed what is kept. Nil when the database cannot
    /// say which it is, or notes no changes (then windows are read whole, and nothing is kept).
    func windowsKeptInFile(_ db: ReconnectingPGConnection, _ symbols: [String], directory: String,
                           split: Bool) throws -> [String: SymbolSeries]? {
        try? windowCacheSave?.wait()  // this run's earlier save, when chunks are published again
        windowCacheSave = nil
        let found: String?
        do {
            found = try db.market { try $0.windowCacheIdentity() }
        } catch let e as PGError where !e.isConnectionLoss {
            logger.warning("windows are not kept: the database does not say which it is", metadata: ["error": "\(e)"])
            return nil
        }
        guard let identity = found else {
            logger.warning("windows are not kept: trigger ohlcv_changed is not enabled (ALWAYS), changes go unseen")
            return nil
        }
        let path = WindowCache.path(in: directory, market: request.market)
        let (loaded, problem) = WindowCache.load(from: path, identity: identity)
        if let problem {
            logger.info("the kept windows are not used", metadata: ["file": "\(path)", "why": "\(problem)"])
        }
        let cache = loaded ?? WindowCache()
        let before = (cache.hits, cache.misses)
        let windows = try cachedWindows(db, symbols, cache: cache, split: split)
        // A read of some symbols (a retry, `--symbols`) keeps nothing: the file stays as it is.
        guard (cache.hits, cache.misses) != before else { return windows }
        let log = logger
        windowCacheSave = ThreadFuture {
            do { try cache.save(to: path, identity: identity) } catch {
                log.warning("the windows could not be kept for the next run", metadata: ["file": "\(path)",
                                                                                        "error": "\(error)"])
            }
        }
        return windows
    }
}
