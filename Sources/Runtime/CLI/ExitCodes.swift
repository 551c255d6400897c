/// Exit codes every Closebell command uses (a run's own are ``RunExit`` in the coordinator).
public enum ExitCodes {
    /// Bad usage: a flag or value that cannot work (sysexits' EX_USAGE).
    public static let usage: Int32 = 64
    /// The configuration cannot be used (sysexits' EX_CONFIG).
    public static let config: Int32 = 78

}
