import CCrypto

/// A streaming message digest over OpenSSL's EVP interface: `update` any number of times, then
/// `finish` once. One instance per digest; not shared between threads.
public final class MessageDigest {
    private let context: OpaquePointer
    private var finished = false

    /// The digest algorithms acrawl uses.
    public enum Algorithm: Sendable {
        /// SHA-1, which WARC-Block-Digest and WARC-Payload-Digest use by convention (warcio, wget, Heritrix).
        case sha1
        /// SHA-256, which names body files.
        case sha256
    }

    /// A fresh digest of `algorithm`.
    public init(_ algorithm: Algorithm) {
        // EVP_MD_CTX_new fails only when out of memory, which Swift treats as fatal anyway.
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        self.context = context
        let type = switch algorithm {
        case .sha1: EVP_sha1()
        case .sha256: EVP_sha256()
        }
        EVP_DigestInit_ex(context, type, nil)
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finished, "MessageDigest.update after finish")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of everything added; the instance takes no more input afterwards.
    public func finish() -> [UInt8] {
        precondition(!finished, "MessageDigest.finish called twice")
        finished = true
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &output, &length)
        return Array(output.prefix(Int(length)))
    }
}

/// SHA-256 helpers.
public enum SHA256 {
    /// A streaming SHA-256 digest.
    public static func hasher() -> MessageDigest { MessageDigest(.sha256) }

    /// The SHA-256 digest of `bytes` (32 bytes).
    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        let hasher = MessageDigest(.sha256)
        hasher.update(bytes)
        return hasher.finish()
    }
}

/// SHA-1 helpers.
public enum SHA1 {
    /// A streaming SHA-1 digest.
    public static func hasher() -> MessageDigest { MessageDigest(.sha1) }

    /// The SHA-1 digest of `bytes` (20 bytes).
    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        let hasher = MessageDigest(.sha1)
        hasher.update(bytes)
        return hasher.finish()
    }
}
