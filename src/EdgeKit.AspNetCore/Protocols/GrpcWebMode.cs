namespace EdgeKit.AspNetCore.Protocols;

/// <summary>The gRPC-Web wire format of a request.</summary>
internal enum GrpcWebMode
{
    /// <summary>Not gRPC-Web: forwarded unchanged.</summary>
    None,

    /// <summary><c>application/grpc-web</c>: gRPC framing, trailers sent as a final frame in the body.</summary>
    Binary,

    /// <summary><c>application/grpc-web-text</c>: the same, base64-encoded both ways.</summary>
    Text,
}
