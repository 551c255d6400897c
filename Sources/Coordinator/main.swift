import ArgumentParser
CoordinatorCommand.main()
