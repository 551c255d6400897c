import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellRuntime
import ClosebellStorage
import Foundation

/// `coordinator accuracy`: MAE, RMSE and direction hit rate of predictions against realised returns.
struct AccuracyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accuracy",
        abstract: "Accuracy of predictions whose next trading day has arrived: n, MAE, RMSE, direction hit rate.",
        discussion: """
            Over the rows of the prediction_outcomes view (a prediction's realised return is the Return of the \
            symbol's next row), grouped by model (model_kind, model_hash), symbol or as-of day.
            """)
    @OptionGroup var db: DatabaseOptions
    @Option(help: "First as-of date (YYYY-MM-DD; default: the earliest).") var from: String?
    @Option(help: "Last as-of date (YYYY-MM-DD; default: the latest).") var to: String?
    @Option(help: "Group by: model, symbol or day.") var by: String = "model"
    @Option(help: "Output: table, csv or json.") var format: String = "table"
    @Option(help: "Only this market (file prefix).") var market: String?

    func run() async throws {
        guard let grouping = AccuracyGrouping(rawValue: by) else { fail("--by must be model, symbol or day, not '\(by)'") }
        guard let output = ReportFormat(rawValue: format) else {
            fail("--format must be table, csv or json, not '\(format)'")
        }
        let first = try from.map { try day($0, "--from") }, last = try to.map { try day($0, "--to") }
        if let first, let last, first > last { fail("--from \(first) is after --to \(last)") }
        await AppConfiguration.load(db.configuration)
        try await onOwnThread {
            let conn: PGConnection
            do { conn = try db.connect(); _ = try Migrator.migrate(conn) } catch { fail("\(error)") }
            let rows = try OutcomeStore(db: conn).accuracy(by: grouping, from: first, to: last, market: market)
            FileHandle.standardOutput.write(Data(AccuracyReport(grouping: grouping, rows: rows).render(output).utf8))
        }
    }

    func day(_ text: String, _ flag: String) throws -> Day {
        guard let d = Day(iso: text) else { fail("\(flag) '\(text)' is not a date (YYYY-MM-DD)") }
        return d
    }
}
