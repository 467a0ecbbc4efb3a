using System.CommandLine;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// <c>mailbox use|stop-using|serve|stop-serving|status</c>: who holds mail for this node, and for whom this
/// node holds mail (docs/protocol.md §18). Both sides must be trusted contacts; the settings live in mailbox.db.
/// </summary>
internal static class MailboxCommands
{
    public static Command Create()
    {
        var command = new Command("mailbox", "Trusted always-on peers that hold sealed messages while you are offline");
        // A null store: this data directory has no mailbox.db, and the command may not create one (see Run).
        command.Subcommands.Add(IdCommand("use", "Ask a trusted peer to hold your mail while you are offline (at most 8)", grants: true, (store, id) =>
            (store?.TryUse(id) ?? UseOutcome.NotTrusted) switch
            {
                UseOutcome.Added => (true, $"{id} will be asked to hold your mail when your node next connects to it."),
                UseOutcome.AlreadyUsed => (true, MailboxLabels.AlreadyUsed(id)),
                var refused => (false, MailboxLabels.UseRefused(id, refused)),
            }));
        command.Subcommands.Add(IdCommand("stop-using", "Stop naming a peer as your mailbox", grants: false, (store, id) =>
            store?.StopUsing(id) == true ? (true, $"{id} is no longer one of your mailboxes.") : (false, $"{id} was not one of your mailboxes")));
        command.Subcommands.Add(ServeCommand());
        // As stop-using: stopping what never was is a refusal (exit 1), not "Stopped serving".
        command.Subcommands.Add(IdCommand("stop-serving", "Stop holding mail for a peer and drop what is held for it", grants: false, (store, id) =>
            store?.StopServing(id) is { } dropped ? (true, MailboxText.Stopped(id, dropped)) : (false, MailboxText.NotServed(id))));
        command.Subcommands.Add(StatusCommand());
        return command;
    }

    private static Command IdCommand(string name, string description, bool grants, Func<MailboxStore?, PeerId, (bool Ok, string Text)> act)
    {
        var dataDir = DataDirectory.CreateOption();
        var idArgument = new Argument<string>("id") { Description = "The peer ID, or a unique prefix of a known one" };
        var command = new Command(name, description);
        command.Options.Add(dataDir);
        command.Arguments.Add(idArgument);
        command.SetAction(result => Run(result.GetValue(dataDir)!, result.GetValue(idArgument)!, grants, act));
        return command;
    }

    private static Command ServeCommand()
    {
        var dataDir = DataDirectory.CreateOption();
        var idArgument = new Argument<string>("id") { Description = "The peer ID, or a unique prefix of a known one" };
        var count = new Option<int>("--max-envelopes") { Description = "Most envelopes held for this peer", DefaultValueFactory = _ => MailboxQuota.Default.MaxEnvelopes };
        var megabytes = new Option<int>("--max-mb") { Description = "Most megabytes held for this peer", DefaultValueFactory = _ => (int)(MailboxQuota.Default.MaxBytes >> 20) };
        var days = new Option<double>("--expiry-days") { Description = "Days an envelope is kept before it is dropped", DefaultValueFactory = _ => MailboxQuota.Default.Expiry.TotalDays };
        var command = new Command("serve", "Hold sealed mail for a trusted peer that asks you to (you cannot read it)");
        command.Options.Add(dataDir);
        command.Options.Add(count);
        command.Options.Add(megabytes);
        command.Options.Add(days);
        command.Arguments.Add(idArgument);
        command.SetAction(result =>
        {
            var expiry = result.GetValue(days);
            var quota = new MailboxQuota(result.GetValue(count), (long)result.GetValue(megabytes) << 20,
                double.IsFinite(expiry) && expiry is > 0 and <= 365 ? TimeSpan.FromDays(expiry) : TimeSpan.Zero);
            if (quota.Problem is { } problem)
            {
                Console.Error.WriteLine($"cryptosphere: {problem}");
                return UsageErrors.ExitCode;
            }
            return Run(result.GetValue(dataDir)!, result.GetValue(idArgument)!, grants: true, (store, id) =>
            {
                // Asked before the change, so a repeat says "already" rather than "once it asks" again.
                var before = store?.Served().FirstOrDefault(s => s.Recipient == id && s.Approved);
                return store?.Serve(id, quota) == true
                    ? (true, before is null
                        ? $"Holding mail for {id} once it asks: up to {quota.MaxEnvelopes} envelopes, {quota.MaxBytes >> 20} MB, {quota.Expiry.TotalDays:0.##} days each."
                        : MailboxLabels.AlreadyServed(id, before.RequestedAt is not null, quota))
                    : (false, $"cannot serve {id}: it is not a trusted contact (trust it first, after comparing its ID)");
            });
        });
        return command;
    }

    private static Command StatusCommand()
    {
        var dataDir = DataDirectory.CreateOption();
        var command = new Command("status", "Show your mailboxes and the peers you hold mail for");
        command.Options.Add(dataDir);
        command.SetAction(result =>
        {
            // Only reads: a mistyped --data-dir is reported, and a node that never used a mailbox gets no mailbox.db.
            using var profile = Profile.OpenExisting(result.GetValue(dataDir)!);
            if (profile is null)
                return 2;
            MailboxStore? store = null;
            if (HasStore(profile) && (store = OpenStore(profile)) is null)
                return 2;
            using var _ = store;
            foreach (var line in MailboxText.Status(store, profile.Trust))
                Console.WriteLine(line);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Resolves the ID, then acts. Only a change that can be made writes: a grant (<paramref name="grants"/>: use,
    /// serve) to a trusted contact, or a removal from a mailbox.db that exists. A mistyped ID, a refusal, a removal
    /// of nothing and a mistyped --data-dir create no file.
    /// </summary>
    private static int Run(string dataDirectory, string idText, bool grants, Func<MailboxStore?, PeerId, (bool Ok, string Text)> act)
    {
        Profile? profile = null;
        ChatStore? nobody = null;
        try
        {
            // A data directory that does not exist yet trusts nobody, so a grant there is refused as for any stranger:
            // the ID is checked against an empty contact list rather than starting a directory for a refusal.
            if (grants && !File.Exists(dataDirectory) && !Profile.Exists(dataDirectory))
                nobody = ChatStore.OpenInMemory();
            else if ((profile = Profile.OpenExisting(dataDirectory)) is null)
                return 2;
            var trust = profile?.Trust ?? new TrustStore(nobody!);
            if (!PeerIdResolver.TryResolve(idText, trust, out var id, out var error))
            {
                Console.Error.WriteLine($"cryptosphere: {error}");
                return UsageErrors.ExitCode;
            }
            // Bad input, as trust and block treat it (exit 2): one's own ID is never a mailbox nor served.
            if (grants && profile is not null && id == profile.Identity.Id)
            {
                Console.Error.WriteLine($"cryptosphere: {MailboxLabels.OwnId(id)}");
                return UsageErrors.ExitCode;
            }
            MailboxStore? store = null;
            if (profile is not null && (HasStore(profile) || grants && trust.StateOf(id) == TrustState.Trusted) && (store = OpenStore(profile)) is null)
                return 2;
            using var _ = store;
            var (ok, text) = act(store, id);
            if (!ok)
            {
                Console.Error.WriteLine($"cryptosphere: {text}");
                return 1;
            }
            Console.WriteLine(text);
            return 0;
        }
        finally
        {
            profile?.Dispose();
            nobody?.Dispose();
        }
    }

    private static bool HasStore(Profile profile) => File.Exists(Path.Combine(profile.Directory, MailboxStore.FileName));

    /// <summary>The mailbox database when this data directory has one (reading commands do not create it); null otherwise.</summary>
    public static MailboxStore? OpenIfUsed(Profile profile) => HasStore(profile) ? OpenStore(profile) : null;

    private static MailboxStore? OpenStore(Profile profile)
    {
        var trust = profile.Trust;
        try
        {
            return MailboxStore.Open(profile.Directory, id => trust.StateOf(id) == TrustState.Trusted);
        }
        catch (StorageException e)
        {
            Console.Error.WriteLine($"cryptosphere: {e.Message}");
            return null;
        }
    }
}
