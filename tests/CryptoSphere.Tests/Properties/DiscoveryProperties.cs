using CryptoSphere.Core.Discovery;
using CryptoSphere.Core.Identity;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CryptoSphere.Tests.Properties;

/// <summary>LAN announcements: any datagram on the port, real ones damaged in transit or by a prankster.</summary>
public sealed class DiscoveryProperties
{
    private static readonly PeerId Someone = NodeIdentity.CreateEphemeral().Id;

    private static readonly Gen<Announcement> Announcements =
        from port in Gen.Choose(1, 65535) from version in Gen.Choose(0, 65535) from name in NearValid.AnyText
        select new Announcement(Someone, (ushort)port, (ushort)version, new string(name.Take(60).ToArray()));

    [Property(MaxTest = 1000)]
    public Property An_announcement_reads_back_as_it_was_sent() =>
        Prop.ForAll(Announcements.ToArbitrary(), a => Announcement.TryDecode(a.Encode(), out _) == a);

    [Property(MaxTest = 2000)]
    public Property A_damaged_announcement_is_refused_with_a_reason_or_read_as_one_that_round_trips() =>
        Prop.ForAll(NearValid.Damaged(Announcements.Select(a => a.Encode())).ToArbitrary(), datagram =>
        {
            var read = Announcement.TryDecode(datagram, out var error);
            return (read is null
                    ? error.Length > 0
                    : Announcement.TryDecode(read.Encode(), out _) == read)
                .Classify(read is null, "refused");
        });
}
