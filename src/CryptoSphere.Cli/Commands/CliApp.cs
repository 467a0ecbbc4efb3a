using System.CommandLine;

namespace CryptoSphere.Cli.Commands;

internal static class CliApp
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "CryptoSphere: serverless peer-to-peer chat over TCP.\n" +
            "With no command, asks for your name and port (unless given) and opens the interactive menu.\n" +
            "The menu also reads answers line by line from piped input; end of input quits.");
        MenuCommand.Configure(root);
        root.Subcommands.Add(ListenCommand.Create());
        root.Subcommands.Add(WebCommand.Create());
        root.Subcommands.Add(SendCommand.Create());
        root.Subcommands.Add(SendFileCommand.Create());
        root.Subcommands.Add(TransferCommands.Create());
        foreach (var command in ContactCommands.Create().Concat(InviteCommands.Create()).Concat(HistoryCommands.Create()))
            root.Subcommands.Add(command);
        root.Subcommands.Add(GroupCommands.Create());
        root.Subcommands.Add(MailboxCommands.Create());
        return root;
    }
}
