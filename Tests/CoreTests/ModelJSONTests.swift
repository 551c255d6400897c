@testable import ClosebellCore
import Foundation
import Testing

/// The model files' JSON reader against Foundation's `JSONSerialization` and `strtod`.
@Suite("Model JSON reader")
struct ModelJSONTests {
    /// Every number the reader decodes equals `Double(String)` (strtod, correctly rounded).
    @Test func numbersEqualStrtod() throws {
        var rng = SystemRandomNumberGenerator()
        var texts = ["0", "-0", "1", "-1", "0.5", "1e22", "1e23", "1E-22", "123456789012345678901234567890",
                     "9007199254740993", "0.1", "2.2250738585072014E-308", "4.9E-324", "1.7976931348623157e308",
                     "1e400", "-1e-400", "0.000000000000000000000000000001", "3.4028235E38", "1.00000017881393421514957253748434595763683319091796875"]
        for _ in 0..<20_000 {
            let f = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng))
            if f.isFinite { texts.append("\(f)") }
            let d = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng))
            if d.isFinite { texts.append("\(d)") }
            texts.append("\(Int.random(in: -999_999...999_999))e\(Int.random(in: -30...30))")
        }
        let doc = try ModelJSON(bytes: Array(("[" + texts.joined(separator: ",") + "]").utf8))
        let values = try #require(doc.elements(doc.root))
        #expect(values.count == texts.count)
        for (t, v) in zip(texts, values) {
            let got = try #require(doc.double(v))
            #expect(got.bitPattern == Double(t)!.bitPattern, "\(t)")
        }
    }

    @Test func integersAreExact() throws {
        let doc = try ModelJSON(bytes: Array("[3, -2147483648, 2147483647, 2147483648, 3.0, 3.5, 1e2, true, \"1\"]".utf8))
        let got = try #require(doc.elements(doc.root)).map { doc.int32($0) }
        #expect(got == [3, -2147483648, 2147483647, nil, 3, nil, 100, 1, nil])
    }

    /// Strings, escapes and nesting decode as `JSONSerialization` decodes them.
    @Test func stringsAndStructure() throws {
        let text = #"{"a": "plain", "b": "t\u00e9st \"q\" \\ \/ \n\t\ud83d\ude00", "c": [true, false, null, {}, []], "a2": "ü"}"#
        let doc = try ModelJSON(bytes: Array(text.utf8))
        let reference = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(doc.root["a"]?.string == reference["a"] as? String)
        #expect(doc.root["b"]?.string == reference["b"] as? String)
        #expect(doc.root["a2"]?.string == "ü")
        #expect(doc.root["c"]?.array?.count == 5)
        #expect(doc.root["missing"] == nil)
    }

    /// What JSONSerialization refuses, the reader refuses too, naming the byte.
    @Test(arguments: [
        "", "{", "[01]", "[1.]", "[.5]", "[1e]", "[-]", "[+1]", "[NaN]", "[Infinity]", "tru",
        "\"abc", "\"a\u{01}b\"", "\"\\x\"", "\"\\ud800\"", "\"\\ud800\\u0041\"", "[1] 2", "{1:2}", "{\"a\" 1}",
        "[\"\\u12\"]",
    ])
    func refusesInvalid(_ text: String) throws {
        #expect(throws: ModelJSON.SyntaxError.self) { try ModelJSON(bytes: Array(text.utf8)) }
        #expect(throws: (any Error).self) { try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed) }
    }

    /// Trailing commas break RFC 8259 (Foundation on Linux lets them pass; xgboost never writes them).
    @Test(arguments: ["[1,]", "{\"a\":1,}", "[1,,2]"])
    func refusesTrailingCommas(_ text: String) {
        #expect(throws: ModelJSON.SyntaxError.self) { try ModelJSON(bytes: Array(text.utf8)) }
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        #expect(throws: ModelJSON.SyntaxError.self) { try ModelJSON(bytes: [0x22, 0xC3, 0x28, 0x22]) }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let e = #expect(throws: ModelJSON.SyntaxError.self) { try ModelJSON(bytes: Array(deep.utf8)) }
        #expect(e?.description.contains("nested deeper") == true)
    }
}
