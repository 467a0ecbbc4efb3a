using System.Text.Json;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Cli.Rendering;

/// <summary>Streams every stored message out, page by page, so an export of any size uses little memory.</summary>
internal static class MessageExport
{
    public static int Json(ChatStore store, TextWriter output)
    {
        var count = 0;
        output.WriteLine("[");
        foreach (var m in store.All())
        {
            output.Write(count++ == 0 ? "  " : ",\n  ");
            output.Write(CliJson.EscapeHidden(MessageJson.ToJson(m).ToJsonString(CliJson.Compact)));
        }
        output.WriteLine(count == 0 ? "]" : "\n]");
        return count;
    }

    public static int Markdown(ChatStore store, TextWriter output)
    {
        var count = 0;
        output.WriteLine("# CryptoSphere history");
        var groups = MessageText.GroupNames(store);
        foreach (var conversation in store.Conversations().OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            output.WriteLine();
            // Names and texts are a peer's: in code spans (MarkdownText), so a viewer shows them and runs no HTML or link.
            output.WriteLine($"## {MarkdownText.Code($"{TerminalText.Safe(conversation.Title)} ({TerminalText.Safe(conversation.Id)})")}");
            output.WriteLine();
            foreach (var m in store.All(conversation.Id))
            {
                output.WriteLine($"- {MarkdownText.CodeLines(MessageText.Line(m, groups))}");
                count++;
            }
        }
        return count;
    }
}
