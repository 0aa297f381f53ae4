#if canImport(Glibc)
import Glibc
#endif

/// `--deny-private`: which addresses afetch refuses to connect to once DNS
/// has answered (so a public name that resolves to a private address, or a
/// redirect to one, is refused too): loopback, private, shared (CGNAT),
/// link-local, multicast, unspecified and broadcast ranges (RFC 6890).
enum AddressPolicy {
    /// True when the IPv4 address (host byte order) is not on the public internet.
    static func isPrivate(ipv4 address: UInt32) -> Bool {
        let ranges: [(UInt32, Int)] = [
            (0x0000_0000, 8),   // 0.0.0.0/8 "this network"
            (0x0A00_0000, 8),   // 10.0.0.0/8
            (0x6440_0000, 10),  // 100.64.0.0/10 shared address space
            (0x7F00_0000, 8),   // 127.0.0.0/8 loopback
            (0xA9FE_0000, 16),  // 169.254.0.0/16 link-local
            (0xAC10_0000, 12),  // 172.16.0.0/12
            (0xC000_0000, 24),  // 192.0.0.0/24 protocol assignments
            (0xC0A8_0000, 16),  // 192.168.0.0/16
            (0xC612_0000, 15),  // 198.18.0.0/15 benchmarking
            (0xE000_0000, 4),   // 224.0.0.0/4 multicast
            (0xF000_0000, 4),   // 240.0.0.0/4 reserved, broadcast
        ]
        return ranges.contains { network, bits in address >> UInt32(32 - bits) == network >> UInt32(32 - bits) }
    }

    /// True when the IPv6 address is not on the public internet; IPv4-mapped
    /// and -compatible forms are judged by their IPv4 address.
    static func isPrivate(ipv6 bytes: [UInt8]) -> Bool {
        guard bytes.count == 16 else { return true }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && ((bytes[10] == 0xFF && bytes[11] == 0xFF) || (bytes[10] == 0 && bytes[11] == 0)) {
            let v4 = UInt32(bytes[12]) << 24 | UInt32(bytes[13]) << 16 | UInt32(bytes[14]) << 8 | UInt32(bytes[15])
            return bytes[10] == 0 && v4 <= 1 ? true : isPrivate(ipv4: v4)   // :: and ::1 too
        }
        if bytes[0] & 0xFE == 0xFC { return true }                 // fc00::/7 unique local
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return true }  // fe80::/10 link-local
        if bytes[0] == 0xFF { return true }                        // ff00::/8 multicast
        return false
    }

    /// The verdict for a socket address libcurl is about to connect to.
    static func isPrivate(_ address: UnsafePointer<sockaddr>) -> Bool {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            let v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
            return isPrivate(ipv4: UInt32(bigEndian: v4))
        case AF_INET6:
            let v6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
            }
            return isPrivate(ipv6: v6)
        default:
            return true
        }
    }

    /// The address as text, for the error message.
    static func describe(_ address: UnsafePointer<sockaddr>) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            var v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            inet_ntop(AF_INET, &v4, &text, socklen_t(text.count))
        case AF_INET6:
            var v6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            inet_ntop(AF_INET6, &v6, &text, socklen_t(text.count))
        default:
            return "an address of family \(address.pointee.sa_family)"
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
