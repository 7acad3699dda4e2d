using System.Buffers;
using System.Collections;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeKit.AspNetCore.Transport.Epoll.Kestrel;

/// <summary>
/// The connection is its own feature collection (as Kestrel's transports are): the transport's features are answered
/// by a type test, without a dictionary; features others set (Kestrel's, TLS's) go into a short list searched first.
/// </summary>
internal sealed partial class EpollConnection :
    IFeatureCollection,
    IConnectionIdFeature,
    IConnectionTransportFeature,
    IConnectionItemsFeature,
    IConnectionLifetimeFeature,
    IConnectionEndPointFeature,
    IMemoryPoolFeature,
    IConnectionSocketFeature
{
    private static long s_lastId = DateTime.UtcNow.Ticks;

    private List<KeyValuePair<Type, object?>>? _setFeatures;
    private int _revision;
    private string? _connectionId;
    private IDictionary<object, object?>? _items;

    /// <inheritdoc />
    public override string ConnectionId
    {
        get => _connectionId ??= NewId();
        set => _connectionId = value;
    }

    /// <inheritdoc />
    public override IFeatureCollection Features => this;

    /// <inheritdoc />
    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }

    /// <inheritdoc />
    public override IDuplexPipe Transport { get; set; }

    /// <inheritdoc />
    public override CancellationToken ConnectionClosed { get; set; }

    /// <inheritdoc />
    public override EndPoint? LocalEndPoint { get; set; }

    /// <inheritdoc />
    public override EndPoint? RemoteEndPoint { get; set; }

    /// <inheritdoc />
    public MemoryPool<byte> MemoryPool { get; }

    /// <inheritdoc />
    public Socket Socket => _socket.Socket;

    bool IFeatureCollection.IsReadOnly => false;

    int IFeatureCollection.Revision => _revision;

    object? IFeatureCollection.this[Type key]
    {
        get
        {
            if (_setFeatures is { } set)
            {
                foreach (var (type, feature) in set)
                {
                    if (type == key)
                    {
                        return feature;
                    }
                }
            }

            return IsOwnFeature(key) ? this : null;
        }

        set
        {
            ArgumentNullException.ThrowIfNull(key);
            var set = _setFeatures ??= new List<KeyValuePair<Type, object?>>(8);
            for (int i = 0; i < set.Count; i++)
            {
                if (set[i].Key == key)
                {
                    set[i] = new(key, value);
                    _revision++;
                    return;
                }
            }

            set.Add(new(key, value));
            _revision++;
        }
    }

    TFeature? IFeatureCollection.Get<TFeature>() where TFeature : default => (TFeature?)((IFeatureCollection)this)[typeof(TFeature)];

    void IFeatureCollection.Set<TFeature>(TFeature? instance) where TFeature : default => ((IFeatureCollection)this)[typeof(TFeature)] = instance;

    IEnumerator<KeyValuePair<Type, object>> IEnumerable<KeyValuePair<Type, object>>.GetEnumerator()
    {
        var set = _setFeatures;
        if (set is not null)
        {
            foreach (var (type, feature) in set)
            {
                if (feature is not null)
                {
                    yield return new(type, feature);
                }
            }
        }

        foreach (var type in s_ownFeatures)
        {
            if (set is null || !set.Exists(kv => kv.Key == type))
            {
                yield return new(type, this);
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable<KeyValuePair<Type, object>>)this).GetEnumerator();

    private static readonly Type[] s_ownFeatures =
    [
        typeof(IConnectionIdFeature),
        typeof(IConnectionTransportFeature),
        typeof(IConnectionItemsFeature),
        typeof(IConnectionLifetimeFeature),
        typeof(IConnectionEndPointFeature),
        typeof(IMemoryPoolFeature),
        typeof(IConnectionSocketFeature),
    ];

    private static bool IsOwnFeature(Type key) =>
        key == typeof(IConnectionIdFeature) ||
        key == typeof(IConnectionTransportFeature) ||
        key == typeof(IConnectionItemsFeature) ||
        key == typeof(IConnectionLifetimeFeature) ||
        key == typeof(IConnectionEndPointFeature) ||
        key == typeof(IMemoryPoolFeature) ||
        key == typeof(IConnectionSocketFeature);

    /// <summary>A 13-character connection id like Kestrel's (base-32 of a process-wide counter seeded by the clock).</summary>
    private static string NewId() =>
        string.Create(13, Interlocked.Increment(ref s_lastId), static (chars, id) =>
        {
            const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
            for (int i = chars.Length - 1; i >= 0; i--)
            {
                chars[i] = Alphabet[(int)(id & 31)];
                id >>= 5;
            }
        });
}
