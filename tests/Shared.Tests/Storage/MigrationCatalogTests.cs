using Cluster.Shared.Storage;

namespace Cluster.Shared.Tests.Storage;

public class MigrationCatalogTests
{
    private static MigrationCatalog Catalog(params string[] fileNames) =>
        MigrationCatalog.FromFiles(fileNames.Select(n => new KeyValuePair<string, string>(n, "SELECT 1;")));

    [Test]
    public void OrdersMigrationsByVersionWhateverOrderTheFilesComeIn()
    {
        var catalog = Catalog("0003_third.sql", "0001_first.sql", "0002_second.sql");

        Assert.That(catalog.Migrations.Select(m => m.Version), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(catalog.Migrations.Select(m => m.Name), Is.EqualTo(new[] { "first", "second", "third" }));
        Assert.That(catalog.LatestVersion, Is.EqualTo(3));
    }

    [Test]
    public void AnEmptyCatalogIsAtVersionZero() =>
        Assert.That(Catalog().LatestVersion, Is.Zero);

    [Test]
    public void RejectsTwoFilesWithOneVersion()
    {
        var error = Assert.Throws<InvalidMigrationSetException>(() => Catalog("0001_first.sql", "0002_a.sql", "0002_b.sql"));

        Assert.That(error!.Problems, Has.One.Contains("0002").And.Contains("more than one file"));
    }

    [Test]
    public void RejectsAGapInTheNumbering()
    {
        var error = Assert.Throws<InvalidMigrationSetException>(() => Catalog("0001_first.sql", "0003_third.sql"));

        Assert.That(error!.Problems, Has.One.Contains("expected 0002 but found 0003"));
    }

    [Test]
    public void RejectsNumberingThatDoesNotStartAtOne()
    {
        var error = Assert.Throws<InvalidMigrationSetException>(() => Catalog("0002_second.sql"));

        Assert.That(error!.Problems, Has.One.Contains("expected 0001"));
    }

    [TestCase("1_first.sql")]
    [TestCase("00001_first.sql")]
    [TestCase("0001-first.sql")]
    [TestCase("0001_First.sql")]
    [TestCase("0001_.sql")]
    [TestCase("0001_first.txt")]
    [TestCase("first.sql")]
    public void RejectsFileNamesOutsideThePattern(string fileName)
    {
        var error = Assert.Throws<InvalidMigrationSetException>(() => Catalog(fileName));

        Assert.That(error!.Problems, Has.One.Contains(fileName));
    }

    [Test]
    public void RejectsAnEmptyFile()
    {
        var error = Assert.Throws<InvalidMigrationSetException>(() =>
            MigrationCatalog.FromFiles([new("0001_first.sql", "  \n")]));

        Assert.That(error!.Problems, Has.One.Contains("empty"));
    }

    [Test]
    public void TheEmbeddedMigrationsAreValidAndStartWithTheBaseTables()
    {
        var embedded = MigrationCatalog.Embedded;

        Assert.That(embedded.Migrations, Is.Not.Empty);
        Assert.That(embedded.Migrations[0].ToString(), Is.EqualTo("0001_base"));
        Assert.That(embedded.Migrations[0].Sql, Does.Contain("CREATE TABLE instances"));
    }
}
