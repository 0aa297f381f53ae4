import CPSL
import NDJSON

/// Registrable domains from the Public Suffix List compiled into libpsl
/// (`psl_builtin`), ICANN and private sections both: `a.github.io` and
/// `b.github.io` are different sites, as browsers treat them.
enum PublicSuffix {
    /// The registrable domain of `host` (lower-case), as a suffix of it: `example.co.uk` for
    /// `www.example.co.uk`. A host that has none (an IP literal, a public suffix
    /// itself such as `co.uk`, a single label) is its own domain.
    static func registrableDomain(of host: [UInt8]) -> ArraySlice<UInt8> {
        guard !host.isEmpty, !isIPLiteral(host) else { return host[...] }
        var cString = host
        cString.append(0)
        let offset: Int? = cString.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                // libpsl takes lower-case UTF-8 or punycode (libpsl.h, psl_registrable_domain);
                // hosts here are already lower-cased.
                guard let context = psl_builtin(),
                      let domain = psl_registrable_domain(context, chars.baseAddress!) else { return nil }
                return chars.baseAddress!.distance(to: domain)
            }
        }
        guard let offset else { return host[...] }
        return host[offset...]
    }

    /// `[...]` IPv6 literals and dotted-decimal IPv4 addresses (libcurl writes every IPv4 form that way).
    static func isIPLiteral(_ host: [UInt8]) -> Bool {
        if host.first == UInt8(ascii: "[") { return true }
        return host.allSatisfy { $0 == UInt8(ascii: ".") || isASCIIDigit($0) }
    }
}
