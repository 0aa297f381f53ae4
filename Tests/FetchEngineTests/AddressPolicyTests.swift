import Testing
@testable import FetchEngine

struct AddressPolicyTests {
    private func ipv4(_ text: String) -> UInt32 {
        text.split(separator: ".").reduce(UInt32(0)) { $0 << 8 | UInt32($1)! }
    }

    @Test(arguments: [
        ("127.0.0.1", true), ("127.255.0.9", true), ("10.1.2.3", true), ("172.16.0.1", true), ("172.31.255.255", true),
        ("172.32.0.1", false), ("192.168.1.1", true), ("169.254.169.254", true), ("100.64.0.1", true), ("100.128.0.1", false),
        ("0.0.0.0", true), ("224.0.0.1", true), ("255.255.255.255", true), ("8.8.8.8", false), ("93.184.216.34", false),
    ])
    func judgesIPv4(address: String, isPrivate: Bool) {
        #expect(AddressPolicy.isPrivate(ipv4: ipv4(address)) == isPrivate)
    }

    @Test(arguments: [
        ([UInt8](repeating: 0, count: 15) + [1], true),                              // ::1
        ([UInt8](repeating: 0, count: 16), true),                                    // ::
        ([0xFE, 0x80] + [UInt8](repeating: 0, count: 13) + [1], true),               // fe80::1
        ([0xFD, 0x12] + [UInt8](repeating: 0, count: 14), true),                     // fd12::
        ([0xFF, 0x02] + [UInt8](repeating: 0, count: 13) + [1], true),               // ff02::1
        ([UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 127, 0, 0, 1], true),       // ::ffff:127.0.0.1
        ([UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 8, 8, 8, 8], false),        // ::ffff:8.8.8.8
        ([0x26, 0x06, 0x28, 0x00] + [UInt8](repeating: 0, count: 11) + [1], false),  // 2606:2800::1
    ])
    func judgesIPv6(address: [UInt8], isPrivate: Bool) {
        #expect(AddressPolicy.isPrivate(ipv6: address) == isPrivate)
    }
}
