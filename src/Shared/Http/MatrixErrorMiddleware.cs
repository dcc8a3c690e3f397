using System.Text.Json.Nodes;
using Cluster.Shared.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cluster.Shared.Http;

/// <summary>
/// Turns every failure below it into the spec's error body: <see cref="MatrixException"/> as
/// given, unreadable JSON as M_NOT_JSON/M_BAD_JSON, an over-limit body as M_TOO_LARGE, and
/// anything unexpected as a logged 500 M_UNKNOWN that reveals nothing of the server.
/// </summary>
public sealed class MatrixErrorMiddleware(RequestDelegate next, ILogger<MatrixErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (MatrixException e)
        {
            await WriteAsync(context, e);
        }
        catch (InvalidJsonException e)
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, e.MatrixErrorCode, e.Message, null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await WriteAsync(context, e.StatusCode, ErrCodes.TooLarge, "Request body too large", null);
        }
        catch (BadHttpRequestException e)
        {
            await WriteAsync(context, e.StatusCode, ErrCodes.Unknown, e.Message, null);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
        }
        catch (Npgsql.NpgsqlException e) when (IsOverloaded(e))
        {
            // PostgreSQL is out of connections or starting up: the request may simply be retried.
            logger.LogWarning(e, "Database unavailable for {Method} {Path}", context.Request.Method, context.Request.Path);
            context.Response.Headers.RetryAfter = "1";
            await WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ErrCodes.Unknown,
                "The server is busy; try again shortly", null);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Unhandled failure in {Method} {Path}", context.Request.Method, context.Request.Path);
            await WriteAsync(context, StatusCodes.Status500InternalServerError, ErrCodes.Unknown, "Internal server error", null);
        }
    }

    // Too many connections, cannot connect now, shutting down or starting up; or the pool waited
    // its whole timeout for a free connection.
    private static bool IsOverloaded(Npgsql.NpgsqlException e) =>
        e is Npgsql.PostgresException { SqlState: "53300" or "57P01" or "57P03" }
        || (e is not Npgsql.PostgresException && e.InnerException is TimeoutException);

    public static Task WriteAsync(HttpContext context, MatrixException error) =>
        WriteAsync(context, error.Status, error.ErrCode, error.Message, error.Extra);

    public static Task WriteAsync(HttpContext context, int status, string errcode, string message, JsonObject? extra)
    {
        if (context.Response.HasStarted)
            return Task.CompletedTask;
        context.Response.Clear();
        context.Response.StatusCode = status;
        var body = new JsonObject { ["errcode"] = errcode, ["error"] = message };
        if (extra is not null)
            foreach (var (key, value) in extra)
                body[key] = value?.DeepClone();
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
