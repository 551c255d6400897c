import ClosebellCore
import ClosebellStorage
import Foundation

extension RunCoordinator {
    /// A daily run's windows through the cache its market's file keeps (``RunOptions/windowCacheDirectory``):
    /// read as a resident coordinator reads them through its ``WindowCache`` — the changes since
    /// the file's snapshot first, then only the days the file cannot give — and written back for
    /// the next run on a thread of its own, while the chunks are published (the run waits for it
    /// before it returns). Nil when the database cannot say who it is (then windows are read whole).
    func windowsKeptInFile(_ db: ReconnectingPGConnection, _ symbols: [String], directory: String,
                           split: Bool) throws -> [String: SymbolSeries]? {
        try? windowCacheSave?.wait()  // this run's earlier save, when chunks are published again
        windowCacheSave = nil
        let identity: String
        do {
            identity = try db.market { try $0.windowCacheIdentity() }
        } catch let e as PGError where !e.isConnectionLoss {
            logger.warning("windows are not kept: the database does not say which it is", metadata: ["error": "\(e)"])
            return nil
        }
        let path = WindowCache.path(in: directory, market: request.market)
        let (loaded, problem) = WindowCache.load(from: path, identity: identity)
        if let problem {
            logger.info("the kept windows are not used", metadata: ["file": "\(path)", "why": "\(problem)"])
        }
        let cache = loaded ?? WindowCache()
        let windows = try cachedWindows(db, symbols, cache: cache, split: split)
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
