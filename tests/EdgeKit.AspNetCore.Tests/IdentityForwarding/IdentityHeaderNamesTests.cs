using EdgeKit.AspNetCore.IdentityForwarding;

namespace EdgeKit.AspNetCore.Tests.IdentityForwarding;

public class IdentityHeaderNamesTests
{
    [Theory]
    [InlineData("X-User-Id", true)]
    [InlineData("x-user-id", true)]
    [InlineData("X_User_Id", true)]
    [InlineData("X_USER_ID", true)]
    [InlineData("x-user_ID", true)]
    [InlineData("X-Scopes", true)]
    [InlineData("x_scopes", true)]
    [InlineData("X-User-Ids", false)]
    [InlineData("X-User", false)]
    [InlineData("X.User.Id", false)]
    [InlineData("X-User-Ld", false)]
    [InlineData("XUserId", false)]
    [InlineData("", false)]
    public void Names_match_ignoring_ASCII_case_with_dash_and_underscore_alike(string name, bool expected)
    {
        var names = new IdentityHeaderNames(["X-User-Id", "X-Scopes"]);

        names.Contains(name).Should().Be(expected);
    }

    [Fact]
    public void Names_that_match_each_other_are_kept_once_and_long_names_work()
    {
        string longName = "X-" + new string('a', 80);
        var names = new IdentityHeaderNames(["X-User-Id", "x_user_id", longName]);

        names.Names.Should().Equal("X-User-Id", longName);
        names.Contains(longName.Replace('-', '_').ToUpperInvariant()).Should().BeTrue();
        names.Contains(longName + "b").Should().BeFalse();
        IdentityHeaderNames.Empty.IsEmpty.Should().BeTrue();
        IdentityHeaderNames.Empty.Contains("X-User-Id").Should().BeFalse();
    }

    [Fact]
    public void From_gathers_every_profiles_header_names()
    {
        var names = IdentityHeaderNames.From(
        [
            new IdentityForwardingOptions { Headers = { ["X-User-Id"] = "sub" } },
            null,
            new IdentityForwardingOptions { Headers = { ["X-Tenant"] = "tenant", ["x_user_id"] = "sub" } },
        ]);

        names.Names.Should().Equal("X-User-Id", "X-Tenant");
        IdentityHeaderNames.From([]).Should().BeSameAs(IdentityHeaderNames.Empty);
    }

    [Fact]
    public void Contains_allocates_nothing()
    {
        var names = new IdentityHeaderNames(["X-User-Id", "X-Scopes", "X-Client-Id"]);
        string[] incoming = ["Accept", "x_user_id", "User-Agent", "X-Scopes", "Content-Type", "X-Client-Ix"];
        names.Contains("warm-up");

        long before = GC.GetAllocatedBytesForCurrentThread();
        int found = 0;
        for (int i = 0; i < 1000; i++)
        {
            foreach (var name in incoming)
            {
                found += names.Contains(name) ? 1 : 0;
            }
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
        found.Should().Be(2000);
    }
}
