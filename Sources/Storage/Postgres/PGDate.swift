/// PostgreSQL's binary `date`: days since 2000-01-01, where ``Day`` counts from 1970-01-01.
enum PGDate {
    /// 2000-01-01 in days since 1970-01-01.
    static let epoch: Int32 = 10_957
}
