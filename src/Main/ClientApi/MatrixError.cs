namespace Cluster.Main.ClientApi;

/// <summary>The Matrix error body: <c>{"errcode": "...", "error": "..."}</c>.</summary>
internal static class MatrixError
{
    public static IResult Response(int status, string errcode, string error) =>
        Results.Json(new Dictionary<string, string> { ["errcode"] = errcode, ["error"] = error }, statusCode: status);

    public static IResult Unrecognized() =>
        Response(StatusCodes.Status404NotFound, "M_UNRECOGNIZED", "Unrecognized request");
}
