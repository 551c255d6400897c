import ArgumentParser
import ClosebellCore
import ClosebellRuntime
import ClosebellStorage
import Foundation

/// `coordinator`: plans runs, publishes chunks, aggregates results into PostgreSQL.
@main
struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Closebell coordinator: ingest daily files, run predictions across workers, account for every symbol.",
        discussion: """
            Reads CLOSEBELL_DATABASE_URL and CLOSEBELL_AMQP_URL when no flag is given \
            (`eval "$(ops/services env)"` sets both for the local servers).
            """,
        subcommands: [Migrate.self, Ingest.self, RunCommand.self, BackfillCommand.self, CatchUpCommand.self, WatchCommand.self, Status.self, Cancel.self, Retry.self,
                      AccuracyCommand.self, ExportCommand.self, DashboardCommand.self, ConfigCommand.self,
                      SampleData.self]
    )
}

/// Options shared by subcommands that talk to PostgreSQL.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: "PostgreSQL URL (default: setting database.url, $CLOSEBELL_DATABASE_URL; empty: PG* variables).")
    var databaseURL: String?
    @OptionGroup var configuration: ConfigOptions

    var url: String { databaseURL ?? AppConfiguration.settings.databaseURL }

    func connect() throws -> PGConnection { try PGConnection(url) }
}

/// Prints one error line and exits with the given code.
func fail(_ message: String, code: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(code)
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending schema migrations (idempotent).")
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        await AppConfiguration.load(db.configuration)
        try await onOwnThread {
            do {
                let conn = try db.connect()
                let applied = try Migrator.migrate(conn)
                let version = try Migrator.currentVersion(conn)
                let list = applied.map(String.init).joined(separator: ", ")
                print(applied.isEmpty ? "schema up to date (version \(version))"
                      : "applied migrations \(list); schema version \(version)")
            } catch let e as PGError {
                fail(e.description)
            }
        }
    }
}
