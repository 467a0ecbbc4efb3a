using System.CommandLine;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// The text of a message, as every sending command and the menu take it: from the argument, or from standard
/// input for <c>-</c> (or no argument with input piped in); empty or whitespace-only is refused, one rule everywhere.
/// </summary>
internal static class MessageInput
{
    public const string EmptyError = "an empty message is not sent; write some text";

    public static Argument<string?> CreateArgument(string description) => new("text")
    {
        Description = description + "; - (or nothing, with input piped in) reads it from standard input",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public static bool IsEmpty(string? text) => string.IsNullOrWhiteSpace(text);

    public static bool IsEmpty(ReadOnlySpan<char> text) => text.IsWhiteSpace();

    /// <summary>The message to send, or an error to print (exit 2) when there is none.</summary>
    public static bool TryGet(string? argument, TextReader stdin, bool stdinRedirected, out string text, out string error)
    {
        text = "";
        error = "";
        if (argument is null && !stdinRedirected)
        {
            error = "no message given; pass it as an argument, or - to read it from standard input";
            return false;
        }
        // echo and here-docs end with a newline that is not part of the message.
        text = argument is null or "-" ? stdin.ReadToEnd().TrimEnd('\r', '\n') : argument;
        if (IsEmpty(text))
        {
            error = EmptyError;
            return false;
        }
        return true;
    }
}
