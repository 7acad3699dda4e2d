namespace EdgeKit.AspNetCore.Transport;

/// <summary>Bit flags in an <see cref="int"/> changed with interlocked operations (the socket pipes' state).</summary>
internal static class AtomicFlags
{
    /// <summary>Clears <paramref name="flag"/> in <paramref name="state"/> if it is set; true when this call cleared it.</summary>
    public static bool TryClear(ref int state, int flag)
    {
        int current = Volatile.Read(ref state);
        while ((current & flag) != 0)
        {
            int seen = Interlocked.CompareExchange(ref state, current & ~flag, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }
}
