/// Text literals for PostgreSQL arrays, passed as one parameter (`$1::text[]`) and expanded
/// with `unnest`, so a whole result is written in a few statements.
public enum PGArray {
    public static func text(_ values: [String?]) -> String {
        "{" + values.map { v in
            guard let v else { return "NULL" }
            var out = "\""
            for c in v.unicodeScalars {
                if c == "\"" || c == "\\" { out.append("\\") }
                out.unicodeScalars.append(c)
            }
            return out + "\""
        }.joined(separator: ",") + "}"
    }

    public static func text(_ values: [String]) -> String { text(values.map { Optional($0) }) }

    public static func double(_ values: [Double]) -> String {
        "{" + values.map { $0.pgText! }.joined(separator: ",") + "}"
    }

    public static func int(_ values: [Int]) -> String { "{" + values.map(String.init).joined(separator: ",") + "}" }

    public static func bool(_ values: [Bool]) -> String { "{" + values.map { $0 ? "t" : "f" }.joined(separator: ",") + "}" }

    /// Parses a one-dimensional text array as PostgreSQL prints it (`{a,"b c",NULL}`).
    public static func parseText(_ s: String) -> [String] {
        var out: [String] = []
        var cur = "", quoted = false, escaped = false, any = false
        for c in s.dropFirst().dropLast() {
            if escaped { cur.append(c); escaped = false; continue }
            if quoted {
                if c == "\\" { escaped = true } else if c == "\"" { quoted = false } else { cur.append(c) }
                continue
            }
            switch c {
            case "\"": quoted = true; any = true
            case ",": out.append(cur); cur = ""; any = false
            default: cur.append(c); any = true
            }
        }
        if any || !out.isEmpty { out.append(cur) }
        return out
    }
}
