// Package client is a Go client of the indicator service
// (indicators.v1.IndicatorService), in the style of the C++, Python and
// TypeScript clients: one method per RPC, lists and queries that follow the
// pages, a stream that resumes after a broken connection, bearer tokens, TLS
// and mutual TLS, and errors that carry the server's reason and field.
//
// The generated code is the package indicatorsv1 ("indicators/gen/v1"),
// generated from proto/ with protoc-gen-go and protoc-gen-go-grpc.
package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/ioutil"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	v1 "indicators/gen/v1"
)

// MaxStreamResumes is how many times Stream resumes one broken export.
const MaxStreamResumes = 5

// Options say how to reach and call the server. The zero value is plaintext,
// no token and a 10 s deadline per call.
type Options struct {
	// Token is sent as "authorization: Bearer <token>" when not empty.
	Token string
	// TLS, when set, secures the connection (see TLSConfig).
	TLS *tls.Config
	// Deadline bounds each call (for Stream, the whole export); 0 is 10 s.
	Deadline time.Duration
	// ServiceConfig is a gRPC service config in JSON, such as
	// client/config/service_config.json for several replicas. (grpc-go 1.33
	// applies its retry policy only with GRPC_GO_RETRY=on.)
	ServiceConfig string
}

// TLSConfig returns a TLS configuration trusting the CA in caFile (PEM) and,
// for mutual TLS, presenting the certificate and key in certFile and keyFile
// (both empty for server-only TLS).
func TLSConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	ca, err := ioutil.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("%s: no PEM certificate", caFile)
	}
	config := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if certFile != "" || keyFile != "" {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, err
		}
		config.Certificates = []tls.Certificate{pair}
	}
	return config, nil
}

// Error is a failed call: the gRPC code and message, and the server's
// google.rpc.ErrorInfo reason (such as UNKNOWN_INDICATOR) and field, when it
// sent them; for a call refused under the caller's quota, how long the server
// asked to wait (its google.rpc.RetryInfo), else 0.
type Error struct {
	Code       codes.Code
	Message    string
	Reason     string
	Field      string
	RetryDelay time.Duration
}

func (e *Error) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s [%s]", e.Code, e.Message, e.Reason)
}

// fromRPC converts a gRPC error into an *Error.
func fromRPC(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	out := &Error{Code: st.Code(), Message: st.Message()}
	out.RetryDelay, _ = RetryDelay(err)
	for _, detail := range st.Details() {
		if info, ok := detail.(*errdetails.ErrorInfo); ok {
			out.Reason = info.GetReason()
			out.Field = info.GetMetadata()["field"]
		}
	}
	return out
}

// RetryDelay returns how long the server asked to wait before trying a call
// it refused under the caller's quota (RESOURCE_EXHAUSTED with a
// google.rpc.RetryInfo), and false if it did not say.
func RetryDelay(err error) (time.Duration, bool) {
	var converted *Error
	if errors.As(err, &converted) {
		return converted.RetryDelay, converted.RetryDelay > 0
	}
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.ResourceExhausted {
		return 0, false
	}
	for _, detail := range st.Details() {
		if retry, ok := detail.(*errdetails.RetryInfo); ok && retry.GetRetryDelay() != nil {
			delay := retry.GetRetryDelay().AsDuration()
			if delay < time.Millisecond {
				delay = time.Millisecond
			}
			return delay, true
		}
	}
	return 0, false
}

// waitAsTold makes a unary call again when the server refuses it under the
// caller's quota, after the delay it asks for, while the call's deadline
// allows.
func waitAsTold(ctx context.Context, method string, req, reply interface{},
	cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	for {
		err := invoker(ctx, method, req, reply, cc, opts...)
		delay, ok := RetryDelay(err)
		if !ok {
			return err
		}
		if deadline, has := ctx.Deadline(); has && time.Now().Add(delay).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

// Client calls one server (or, with a service config and a target naming
// several, a set of replicas). Safe for concurrent use.
type Client struct {
	conn    *grpc.ClientConn
	stub    v1.IndicatorServiceClient
	options Options
}

// Dial returns a client of target (host:port).
func Dial(target string, options Options) (*Client, error) {
	if options.Deadline == 0 {
		options.Deadline = 10 * time.Second
	}
	dial := []grpc.DialOption{}
	if options.TLS != nil {
		dial = append(dial, grpc.WithTransportCredentials(credentials.NewTLS(options.TLS)))
	} else {
		dial = append(dial, grpc.WithInsecure())
	}
	if options.ServiceConfig != "" {
		dial = append(dial, grpc.WithDefaultServiceConfig(options.ServiceConfig))
	}
	dial = append(dial, grpc.WithUnaryInterceptor(waitAsTold))
	conn, err := grpc.Dial(target, dial...)
	if err != nil {
		return nil, err
	}
	return &Client{conn: conn, stub: v1.NewIndicatorServiceClient(conn), options: options}, nil
}

// NewWithStub returns a client that calls through stub (a fake in tests).
func NewWithStub(stub v1.IndicatorServiceClient, options Options) *Client {
	if options.Deadline == 0 {
		options.Deadline = 10 * time.Second
	}
	return &Client{stub: stub, options: options}
}

// Close closes the connection.
func (c *Client) Close() error {
	if c.conn == nil {
		return nil
	}
	return c.conn.Close()
}

// call prepares ctx for one call: the deadline and the token.
func (c *Client) call(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, c.options.Deadline)
	if c.options.Token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.options.Token)
	}
	return ctx, cancel
}

// allPages calls fetch with each page token in turn, from the first page,
// and returns the items of every page.
func allPages[T any](fetch func(token string) ([]T, string, error)) ([]T, error) {
	var out []T
	token := ""
	for {
		items, next, err := fetch(token)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		token = next
	}
}

// ListIndicators returns every indicator, following the pages.
func (c *Client) ListIndicators(ctx context.Context) ([]*v1.Indicator, error) {
	return allPages(func(token string) ([]*v1.Indicator, string, error) {
		ctx, cancel := c.call(ctx)
		defer cancel()
		page, err := c.stub.ListIndicators(ctx, &v1.ListIndicatorsRequest{PageToken: token})
		return page.GetIndicators(), page.GetNextPageToken(), fromRPC(err)
	})
}

// GetIndicator returns one indicator.
func (c *Client) GetIndicator(ctx context.Context, id string) (*v1.Indicator, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	out, err := c.stub.GetIndicator(ctx, &v1.GetIndicatorRequest{Id: id})
	return out, fromRPC(err)
}

// ListRegions returns every region, or the children of parent (if not
// empty) of type regionType (if not unspecified), following the pages.
func (c *Client) ListRegions(ctx context.Context, parent string, regionType v1.RegionType) ([]*v1.Region, error) {
	return allPages(func(token string) ([]*v1.Region, string, error) {
		ctx, cancel := c.call(ctx)
		defer cancel()
		page, err := c.stub.ListRegions(ctx, &v1.ListRegionsRequest{
			ParentCode: parent, Type: regionType, PageToken: token})
		return page.GetRegions(), page.GetNextPageToken(), fromRPC(err)
	})
}

// GetRegion returns one region.
func (c *Client) GetRegion(ctx context.Context, code string) (*v1.Region, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	out, err := c.stub.GetRegion(ctx, &v1.GetRegionRequest{Code: code})
	return out, fromRPC(err)
}

// ListSources returns every source, following the pages.
func (c *Client) ListSources(ctx context.Context) ([]*v1.Source, error) {
	return allPages(func(token string) ([]*v1.Source, string, error) {
		ctx, cancel := c.call(ctx)
		defer cancel()
		page, err := c.stub.ListSources(ctx, &v1.ListSourcesRequest{PageToken: token})
		return page.GetSources(), page.GetNextPageToken(), fromRPC(err)
	})
}

// GetSource returns one source.
func (c *Client) GetSource(ctx context.Context, id string) (*v1.Source, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	out, err := c.stub.GetSource(ctx, &v1.GetSourceRequest{Id: id})
	return out, fromRPC(err)
}

// QueryPage returns one page of QueryObservations.
func (c *Client) QueryPage(ctx context.Context, req *v1.QueryObservationsRequest) (*v1.QueryObservationsResponse, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	out, err := c.stub.QueryObservations(ctx, req)
	return out, fromRPC(err)
}

// Query returns every observation that filter selects, following the pages.
func (c *Client) Query(ctx context.Context, filter *v1.ObservationFilter) ([]*v1.Observation, error) {
	return allPages(func(token string) ([]*v1.Observation, string, error) {
		page, err := c.QueryPage(ctx, &v1.QueryObservationsRequest{
			Filter: filter, PageSize: 1000, PageToken: token})
		return page.GetObservations(), page.GetNextPageToken(), err
	})
}

// Stream calls fn with each observation that filter selects, in query order,
// as the messages arrive; fn returning an error cancels the export and
// Stream returns that error. When the stream breaks (UNAVAILABLE, or INTERNAL
// for a stream reset by a proxy) it resumes after the last message received,
// up to MaxStreamResumes times, so fn sees every observation exactly once.
func (c *Client) Stream(ctx context.Context, filter *v1.ObservationFilter, fn func(*v1.Observation) error) error {
	ctx, cancel := c.call(ctx)
	defer cancel()
	req := &v1.StreamObservationsRequest{Filter: filter}
	for resumes := 0; ; resumes++ {
		err := c.streamOnce(ctx, req, fn)
		// Refused under the caller's quota (it sent nothing): wait as told
		// and start again from the same token, within the deadline.
		if delay, ok := RetryDelay(err); ok {
			deadline, has := ctx.Deadline()
			if !has || time.Now().Add(delay).Before(deadline) {
				time.Sleep(delay)
				resumes--
				continue
			}
		}
		var rpcErr *Error
		broken := errors.As(err, &rpcErr) &&
			(rpcErr.Code == codes.Unavailable || rpcErr.Code == codes.Internal)
		if err == nil || !broken || resumes == MaxStreamResumes {
			return err
		}
		time.Sleep(time.Duration(50*(resumes+1)) * time.Millisecond)
	}
}

// streamOnce reads one call of the stream, moving req.ResumeToken along.
func (c *Client) streamOnce(ctx context.Context, req *v1.StreamObservationsRequest, fn func(*v1.Observation) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.stub.StreamObservations(ctx, req)
	if err != nil {
		return fromRPC(err)
	}
	for {
		message, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fromRPC(err)
		}
		for _, o := range message.GetObservations() {
			if err := fn(o); err != nil {
				return err
			}
		}
		req.ResumeToken = message.GetResumeToken()
	}
}

// History returns every value ever given for one figure, oldest first.
func (c *Client) History(ctx context.Context, indicator, region, period string) ([]*v1.ObservationVintage, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	out, err := c.stub.GetObservationHistory(ctx, &v1.GetObservationHistoryRequest{
		IndicatorId: indicator, RegionCode: region, Period: period})
	if err != nil {
		return nil, fromRPC(err)
	}
	return out.GetVintages(), nil
}

// Aggregate adds up an indicator over a region's children (parent) or a list
// of regions, period by period: a sum, or for a ratio with a rule the ratio
// of sums, each with its inputs and coverage.
func (c *Client) Aggregate(ctx context.Context, req *v1.AggregateObservationsRequest) (*v1.AggregateObservationsResponse, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	out, err := c.stub.AggregateObservations(ctx, req)
	return out, fromRPC(err)
}

// Rank ranks a region's children (parent) or a list of regions by one
// indicator in one period, each with the rank range its figure's bounds
// allow (BestRank..WorstRank) and the pairs the bounds cannot order.
func (c *Client) Rank(ctx context.Context, req *v1.RankRegionsRequest) (*v1.RankRegionsResponse, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	out, err := c.stub.RankRegions(ctx, req)
	return out, fromRPC(err)
}

// Reconcile checks the figures req.Filter selects against each other,
// following the pages: each figure with its sources' agreement and its
// checks (sum of parts, derived vs published, sources, implied exchange
// rate), each with a verdict, a cause and the bounds that decide.
func (c *Client) Reconcile(ctx context.Context, req *v1.ReconcileObservationsRequest) ([]*v1.FigureReconciliation, error) {
	return allPages(func(token string) ([]*v1.FigureReconciliation, string, error) {
		ctx, cancel := c.call(ctx)
		defer cancel()
		page := proto.Clone(req).(*v1.ReconcileObservationsRequest)
		page.PageToken = token
		out, err := c.stub.ReconcileObservations(ctx, page)
		return out.GetFigures(), out.GetNextPageToken(), fromRPC(err)
	})
}

// Search finds indicators, regions and sources by free text, best first
// (maxResults 0: the server's default).
func (c *Client) Search(ctx context.Context, query string, maxResults int32) ([]*v1.SearchResult, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	out, err := c.stub.SearchCatalog(ctx, &v1.SearchCatalogRequest{Query: query, MaxResults: maxResults})
	if err != nil {
		return nil, fromRPC(err)
	}
	return out.GetResults(), nil
}

// DatasetInfo returns the served dataset's version, counts and coverage.
func (c *Client) DatasetInfo(ctx context.Context) (*v1.GetDatasetInfoResponse, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	out, err := c.stub.GetDatasetInfo(ctx, &v1.GetDatasetInfoRequest{})
	return out, fromRPC(err)
}

// Reload asks the server to reload its dataset (a token with the admin
// scope).
func (c *Client) Reload(ctx context.Context) (*v1.ReloadDatasetResponse, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	out, err := c.stub.ReloadDataset(ctx, &v1.ReloadDatasetRequest{})
	return out, fromRPC(err)
}
