using System.Collections;
using System.Reflection;
using EdgeKit.TestShared;

namespace EdgeKit.Docs.Tests.Settings;

/// <summary>The options copies are generated from the options types, and a copy carries every property, deeply.</summary>
public sealed class OptionsCopyTests
{
    private static readonly string Root = RepositoryRoot.Find();

    [Fact]
    public void The_generated_copies_are_those_of_the_options_types()
    {
        var stale = new List<string>();
        foreach (var (file, text) in OptionsCopyGenerator.Generate())
        {
            var path = Path.Combine(Root, file);
            var current = File.Exists(path) ? File.ReadAllText(path) : null;
            if (current != text)
            {
                File.WriteAllText(path, text);
                stale.Add(file);
            }
        }

        stale.Should().BeEmpty("the options types changed: the files were rewritten; rebuild and run the tests again");
    }

    public static TheoryData<string> CopiedTypes()
    {
        var data = new TheoryData<string>();
        foreach (var type in OptionsCopyGenerator.Types())
        {
            data.Add(type.AssemblyQualifiedName!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CopiedTypes))]
    public void Every_public_settable_property_survives_a_copy_and_nothing_is_shared_but_immutable_values(string typeName)
    {
        var type = Type.GetType(typeName, throwOnError: true)!;
        var source = Filled(type, depth: 0);

        var copy = Copy(source);

        copy.Should().NotBeSameAs(source);
        AssertSame(type.Name, type, source, copy);
    }

    [Fact]
    public void A_type_with_state_outside_its_public_settable_properties_cannot_be_copied_silently()
    {
        var check = typeof(OptionsCopyGenerator).GetMethod("CheckEverythingIsCopied", BindingFlags.NonPublic | BindingFlags.Static)!;

        var act = () => check.Invoke(null, [typeof(HiddenState)]);

        act.Should().Throw<TargetInvocationException>().WithInnerException<InvalidOperationException>().WithMessage(
            "*HiddenState keeps state a copy through its public settable properties would lose (_counter, <Hidden>k__BackingField)*");
    }

    private sealed class HiddenState
    {
        private int _counter;

        public string Shown { get; set; } = "";

        public string Hidden { get; } = "";

        public int Next() => ++_counter;
    }

    /// <summary>Calls the generated <c>Clone</c> of <paramref name="source"/>'s type.</summary>
    private static object Copy(object source)
    {
        var type = source.GetType();
        var output = OptionsCopyGenerator.Outputs.Single(o => o.Assembly == type.Assembly);
        var clone = output.Assembly.GetType($"{output.Namespace}.{output.Class}", throwOnError: true)!
            .GetMethod("Clone", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public, [type])
            ?? throw new InvalidOperationException($"{output.Class} has no Clone({type.Name}): run The_generated_copies_are_those_of_the_options_types.");
        return clone.Invoke(null, [source])!;
    }

    /// <summary>A new instance whose every copied property differs from its default.</summary>
    private static object Filled(Type type, int depth)
    {
        var instance = Activator.CreateInstance(type)!;
        foreach (var property in OptionsCopyGenerator.Properties(type))
        {
            var value = Different(property, property.GetValue(instance), depth);
            property.SetValue(instance, value);
            property.GetValue(instance).Should().BeEquivalentTo(value, $"{type.Name}.{property.Name} must keep the value it is set to");
        }

        return instance;
    }

    private static object? Different(PropertyInfo property, object? current, int depth)
    {
        var type = property.PropertyType;
        var plain = Nullable.GetUnderlyingType(type) ?? type;
        string name = property.Name;
        if (plain == typeof(string))
        {
            return "not-" + current;
        }

        if (plain == typeof(bool))
        {
            return !(bool)(current ?? false);
        }

        if (plain == typeof(int))
        {
            return (int)(current ?? 0) + 7;
        }

        if (plain == typeof(long))
        {
            return (long)(current ?? 0L) + 7;
        }

        if (plain == typeof(double))
        {
            return (double)(current ?? 0.0) + 0.5;
        }

        if (plain == typeof(TimeSpan))
        {
            return (TimeSpan)(current ?? TimeSpan.Zero) + TimeSpan.FromSeconds(7);
        }

        if (plain == typeof(Uri))
        {
            return new Uri($"http://{name.ToLowerInvariant()}.example/");
        }

        if (plain.IsEnum)
        {
            var values = Enum.GetValues(plain).Cast<object>().ToList();
            return values.FirstOrDefault(v => !v.Equals(current)) ?? throw new InvalidOperationException($"{name}: {plain} has one value only");
        }

        if (type.IsGenericType && type.GetGenericArguments().Length == 2)
        {
            var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(type.GetGenericArguments()), StringComparer.OrdinalIgnoreCase)!;
            var valueType = type.GetGenericArguments()[1];
            dictionary["Key-" + name] = valueType == typeof(string) ? "value-" + name : Filled(valueType, depth + 1);
            return dictionary;
        }

        if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type))
        {
            var element = type.IsArray ? type.GetElementType()! : type.GetGenericArguments()[0];
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
            list.Add(element == typeof(string) ? "item-" + name : Filled(element, depth + 1));
            list.Add(element == typeof(string) ? "other-" + name : Filled(element, depth + 1));
            return list;
        }

        if (type.IsClass && depth < 4)
        {
            return Filled(type, depth + 1);
        }

        throw new InvalidOperationException($"{name}: teach OptionsCopyTests a value of {type}");
    }

    /// <summary>Equal values; no mutable object (list, dictionary, nested options) shared between the two.</summary>
    private static void AssertSame(string path, Type type, object source, object copy)
    {
        foreach (var property in OptionsCopyGenerator.Properties(type))
        {
            string at = $"{path}.{property.Name}";
            var expected = property.GetValue(source);
            var actual = property.GetValue(copy);
            if (expected is null || expected is string || expected.GetType().IsValueType || expected is Uri)
            {
                actual.Should().Be(expected, at);
                continue;
            }

            actual.Should().NotBeSameAs(expected, $"{at} is mutable: the copy must have its own");
            if (expected is IDictionary sourceDictionary)
            {
                var copied = (IDictionary)actual!;
                copied.Keys.Cast<object>().Should().Equal(sourceDictionary.Keys.Cast<object>(), at);
                object Comparer(IDictionary d) => d.GetType().GetProperty("Comparer")!.GetValue(d)!;
                Comparer(copied).Should().BeSameAs(Comparer(sourceDictionary), $"{at} keeps its comparer");
                foreach (var key in sourceDictionary.Keys)
                {
                    AssertElement($"{at}[{key}]", sourceDictionary[key], copied[key]);
                }
            }
            else if (expected is IList sourceList)
            {
                var copied = (IList)actual!;
                copied.Count.Should().Be(sourceList.Count, at);
                for (int i = 0; i < sourceList.Count; i++)
                {
                    AssertElement($"{at}[{i}]", sourceList[i], copied[i]);
                }
            }
            else
            {
                AssertSame(at, property.PropertyType, expected, actual!);
            }
        }
    }

    private static void AssertElement(string at, object? expected, object? actual)
    {
        if (expected is null || expected is string || expected.GetType().IsValueType)
        {
            actual.Should().Be(expected, at);
        }
        else
        {
            actual.Should().NotBeSameAs(expected, at);
            AssertSame(at, expected.GetType(), expected, actual!);
        }
    }
}
