import ClosebellStorage

/// How a batch of results is shared between the run's two connections (see
/// ``RunCoordinator/applyInParallel``): by weight, so both finish together, and by chunk, so
/// the two transactions never lock the same chunk's rows (a result and a `started` report of
/// one chunk, or two copies of one result, always go to the same side).
///
/// Before, a chunk's side was the parity of its number: four results of a backfill split 2/2
/// only three times in eight, and one side then idled while the other applied three or four.
struct ApplySplit {
    /// For each result, whether it goes to the second connection.
    var resultThere: [Bool]
    /// For each `started` report, whether it goes to the second connection.
    var takenThere: [Bool]

    /// Heaviest chunk first, each to the side with less so far (a result weighs its entries).
    init(results: [ResultInput], taken: [TakenInput]) {
        struct Key: Hashable { let run: Int64, chunk: Int }
        var weight: [Key: Int] = [:], order: [Key] = []
        for r in results {
            let k = Key(run: r.runId, chunk: r.chunkNo)
            if weight[k] == nil { order.append(k) }
            weight[k, default: 0] += 1 + r.predictions.count + r.failures.count + r.skips.count
        }
        for t in taken {
            let k = Key(run: t.runId, chunk: t.chunkNo)
            if weight[k] == nil { order.append(k) }
            weight[k, default: 0] += 1
        }
        var there: [Key: Bool] = [:], load = (here: 0, there: 0)
        for k in order.enumerated().sorted(by: { (weight[$0.1]!, -$0.0) > (weight[$1.1]!, -$1.0) }).map(\.1) {
            let toThere = load.there < load.here
            there[k] = toThere
            if toThere { load.there += weight[k]! } else { load.here += weight[k]! }
        }
        resultThere = results.map { there[Key(run: $0.runId, chunk: $0.chunkNo)]! }
        takenThere = taken.map { there[Key(run: $0.runId, chunk: $0.chunkNo)]! }
    }

    /// Whether both connections get something (else the batch is applied whole on the first).
    var splits: Bool { (resultThere + takenThere).contains(true) && (resultThere + takenThere).contains(false) }
}
