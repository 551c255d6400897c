import ArgumentParser
WorkerCommand.main()
