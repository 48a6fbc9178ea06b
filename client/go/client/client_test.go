package client_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/ioutil"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"indicators/client"
	v1 "indicators/gen/v1"
)

const adminToken = "go-client-test-admin-token"

var address string

// TestMain starts the built server ($INDICATORS_SERVER) on the test data
// ($INDICATORS_TEST_DATA) on a free port, with one admin token.
func TestMain(m *testing.M) {
	dir, err := ioutil.TempDir("", "indicators-go-")
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256([]byte(adminToken))
	tokens := filepath.Join(dir, "tokens")
	if err := ioutil.WriteFile(tokens, []byte(hex.EncodeToString(sum[:])+" admin\n"), 0o600); err != nil {
		panic(err)
	}
	server := exec.Command(os.Getenv("INDICATORS_SERVER"), "--listen=127.0.0.1:0",
		"--data="+os.Getenv("INDICATORS_TEST_DATA"), "--tokens_file="+tokens)
	out, err := server.StdoutPipe()
	if err != nil {
		panic(err)
	}
	if err := server.Start(); err != nil {
		panic(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	match := regexp.MustCompile(`listening on (127\.0\.0\.1:[0-9]+);`).FindStringSubmatch(line)
	code := 1
	if match == nil {
		fmt.Fprintf(os.Stderr, "server did not start: %q\n", line)
	} else {
		address = match[1]
		code = m.Run()
	}
	server.Process.Kill()
	server.Wait()
	os.RemoveAll(dir)
	os.Exit(code)
}

func dial(t *testing.T, options client.Options) *client.Client {
	t.Helper()
	c, err := client.Dial(address, options)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestEveryRpcThroughTheWrapper(t *testing.T) {
	c := dial(t, client.Options{})
	ctx := context.Background()
	info, err := c.DatasetInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.GetDataset().GetVersion()) != 64 {
		t.Errorf("version %q", info.GetDataset().GetVersion())
	}
	indicators, err := c.ListIndicators(ctx)
	if err != nil || int32(len(indicators)) != info.GetDataset().GetIndicatorCount() {
		t.Errorf("ListIndicators: %d, %v; want %d", len(indicators), err, info.GetDataset().GetIndicatorCount())
	}
	regions, err := c.ListRegions(ctx, "", v1.RegionType_REGION_TYPE_UNSPECIFIED)
	if err != nil || int32(len(regions)) != info.GetDataset().GetRegionCount() {
		t.Errorf("ListRegions: %d, %v; want %d", len(regions), err, info.GetDataset().GetRegionCount())
	}
	sources, err := c.ListSources(ctx)
	if err != nil || int32(len(sources)) != info.GetDataset().GetSourceCount() {
		t.Errorf("ListSources: %d, %v; want %d", len(sources), err, info.GetDataset().GetSourceCount())
	}
	region, err := c.GetRegion(ctx, "CN-GD")
	if err != nil || region.GetParentCode() != "CN" {
		t.Errorf("GetRegion: %v, %v", region, err)
	}
	source, err := c.GetSource(ctx, "SEED")
	if err != nil || source.GetReliability() != v1.SourceReliability_SOURCE_RELIABILITY_NEWS {
		t.Errorf("GetSource: %v, %v", source, err)
	}
	// The seed's figure: over 75,000 high-tech enterprises in Guangdong, 2023.
	rows, err := c.Query(ctx, &v1.ObservationFilter{
		IndicatorIds: []string{"high_tech_enterprises"}, RegionCodes: []string{"CN-GD"},
		StartPeriod: "2023", EndPeriod: "2023", SourceIds: []string{"SEED"}})
	if err != nil || len(rows) != 1 || rows[0].GetValue() != 75000 ||
		rows[0].GetQualifier() != v1.Qualifier_QUALIFIER_OVER {
		t.Errorf("Query: %v, %v", rows, err)
	}
	streamed := 0
	if err := c.Stream(ctx, &v1.ObservationFilter{}, func(*v1.Observation) error {
		streamed++
		return nil
	}); err != nil || int64(streamed) != info.GetDataset().GetObservationCount() {
		t.Errorf("Stream: %d, %v; want %d", streamed, err, info.GetDataset().GetObservationCount())
	}
	vintages, err := c.History(ctx, "rd_expenditure", "CN-GD", "2023")
	if err != nil || len(vintages) < 2 {
		t.Fatalf("History: %v, %v", vintages, err)
	}
	for i := 1; i < len(vintages); i++ {
		if vintages[i].GetKnownFrom() != "" && vintages[i].GetKnownFrom() < vintages[i-1].GetKnownFrom() {
			t.Errorf("History not oldest first: %v", vintages)
		}
	}
	sums, err := c.Aggregate(ctx, &v1.AggregateObservationsRequest{
		IndicatorId: "rd_expenditure", RegionCodes: []string{"CN-GD", "CN-BJ"},
		StartPeriod: "2022", EndPeriod: "2022"})
	if err != nil || len(sums.GetAggregates()) != 1 ||
		sums.GetAggregates()[0].GetReportingRegions() != 2 ||
		len(sums.GetAggregates()[0].GetObservation().GetDerivation().GetInputs()) != 2 {
		t.Errorf("Aggregate: %v, %v", sums, err)
	}
	// "Over 460,000" and "over 75,000": the bounds cannot order them.
	ranked, err := c.Rank(ctx, &v1.RankRegionsRequest{
		IndicatorId: "high_tech_enterprises", RegionCodes: []string{"CN", "CN-GD"},
		Period: "2023"})
	if err != nil || len(ranked.GetRegions()) != 2 || len(ranked.GetUndetermined()) != 1 ||
		ranked.GetRegions()[0].GetBestRank() != 1 || ranked.GetRegions()[0].GetWorstRank() != 2 ||
		ranked.GetRegions()[0].GetObservation().GetBounds().GetUpper() != nil ||
		ranked.GetRegions()[0].GetObservation().GetBounds().GetLower().GetValue() != 460000 {
		t.Errorf("Rank: %v, %v", ranked, err)
	}
	// The preliminary "about 460" against the final 480.26: a revision.
	figures, err := c.Reconcile(ctx, &v1.ReconcileObservationsRequest{
		Filter: &v1.ObservationFilter{IndicatorIds: []string{"rd_expenditure"},
			RegionCodes: []string{"CN-GD"}, StartPeriod: "2023", EndPeriod: "2023"},
		Checks:   []v1.ReconciliationCheckKind{v1.ReconciliationCheckKind_RECONCILIATION_CHECK_KIND_SOURCES},
		PageSize: 1})
	revisions := 0
	for _, f := range figures {
		for _, check := range f.GetChecks() {
			if check.GetCause() == v1.DiscrepancyCause_DISCREPANCY_CAUSE_REVISION {
				revisions++
			}
		}
	}
	if err != nil || len(figures) != 1 || revisions != 2 ||
		len(figures[0].GetAgreement().GetDisagreeingSourceIds()) != 2 {
		t.Errorf("Reconcile: %v, %v", figures, err)
	}
	found, err := c.Search(ctx, "guangdon", 0)
	if err != nil || len(found) == 0 {
		t.Fatalf("Search: %v, %v", found, err)
	}
	for _, r := range found {
		if r.GetRegion() != nil {
			if r.GetRegion().GetCode() != "CN-GD" {
				t.Errorf("Search: first region %v", r.GetRegion())
			}
			break
		}
	}
	// Values in 10^8 yuan keep what they were converted from.
	page, err := c.QueryPage(ctx, &v1.QueryObservationsRequest{
		Filter: &v1.ObservationFilter{IndicatorIds: []string{"rd_expenditure"},
			RegionCodes: []string{"CN-GD"}, StartPeriod: "2022", EndPeriod: "2022"},
		ValueOptions: &v1.ValueOptions{UnitMultiplier: wrapperspb.Int32(8)}})
	if err != nil || len(page.GetObservations()) == 0 ||
		page.GetObservations()[0].GetConversion().GetOriginalValue() != 441.19 {
		t.Errorf("QueryPage with value options: %v, %v", page, err)
	}
}

func TestErrorsCarryTheReasonAndField(t *testing.T) {
	c := dial(t, client.Options{})
	_, err := c.GetIndicator(context.Background(), "nope")
	var rpcErr *client.Error
	if !errors.As(err, &rpcErr) {
		t.Fatalf("GetIndicator(nope): %v", err)
	}
	if rpcErr.Code != codes.NotFound || rpcErr.Reason != "UNKNOWN_INDICATOR" || rpcErr.Field != "id" {
		t.Errorf("got %+v", rpcErr)
	}
	_, err = c.Query(context.Background(), &v1.ObservationFilter{StartPeriod: "2023-13"})
	if !errors.As(err, &rpcErr) || rpcErr.Code != codes.InvalidArgument {
		t.Errorf("bad period: %v", err)
	}
}

func TestTokenReachesTheServer(t *testing.T) {
	ctx := context.Background()
	_, err := dial(t, client.Options{}).Reload(ctx)
	var rpcErr *client.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != codes.Unauthenticated {
		t.Errorf("Reload without a token: %v", err)
	}
	if _, err := dial(t, client.Options{Token: adminToken}).Reload(ctx); err != nil {
		t.Errorf("Reload with the admin token: %v", err)
	}
}

func TestStreamStopsWhenTheCallbackFails(t *testing.T) {
	stop := errors.New("enough")
	seen := 0
	err := dial(t, client.Options{Deadline: 5 * time.Second}).Stream(context.Background(),
		&v1.ObservationFilter{}, func(*v1.Observation) error {
			seen++
			if seen == 3 {
				return stop
			}
			return nil
		})
	if !errors.Is(err, stop) || seen != 3 {
		t.Errorf("got %v after %d rows", err, seen)
	}
}

// The example ($INDICATORS_GO_EXAMPLE) calls every RPC and says what came
// back.
func TestExampleCallsEveryRpc(t *testing.T) {
	out, err := exec.Command(os.Getenv("INDICATORS_GO_EXAMPLE"), "-target="+address,
		"-token="+adminToken).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, rpc := range []string{"GetDatasetInfo", "ListIndicators", "GetIndicator",
		"ListRegions", "GetRegion", "ListSources", "GetSource", "QueryObservations",
		"StreamObservations", "GetObservationHistory", "AggregateObservations",
		"SearchCatalog"} {
		if !strings.Contains(string(out), rpc+": ") {
			t.Errorf("no %s in\n%s", rpc, out)
		}
	}
	if !strings.Contains(string(out), "ReloadDataset: OK") {
		t.Errorf("reload failed:\n%s", out)
	}
}

// writePKI writes a CA, a server certificate for 127.0.0.1 and a client
// certificate, all signed by the CA, as PEM files into dir.
func writePKI(t *testing.T, dir string) {
	t.Helper()
	write := func(name, kind string, der []byte) {
		block := pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
		if err := ioutil.WriteFile(filepath.Join(dir, name), block, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	newKey := func(name string) *ecdsa.PrivateKey {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		write(name, "PRIVATE KEY", der)
		return key
	}
	caKey := newKey("ca.key")
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	write("ca.pem", "CERTIFICATE", caDER)
	caCert, _ := x509.ParseCertificate(caDER)
	for i, name := range []string{"server", "client"} {
		key := newKey(name + ".key")
		leaf := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 2)), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		}
		der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		write(name+".pem", "CERTIFICATE", der)
	}
}

// startServer starts the built server on the test data with flags, killed
// when the test ends; returns its address.
func startServer(t *testing.T, flags ...string) string {
	t.Helper()
	args := append([]string{"--listen=127.0.0.1:0", "--data=" + os.Getenv("INDICATORS_TEST_DATA")}, flags...)
	server := exec.Command(os.Getenv("INDICATORS_SERVER"), args...)
	out, err := server.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		server.Process.Kill()
		server.Wait()
	})
	line, _ := bufio.NewReader(out).ReadString('\n')
	match := regexp.MustCompile(`listening on (127\.0\.0\.1:[0-9]+);`).FindStringSubmatch(line)
	if match == nil {
		t.Fatalf("server did not start: %q", line)
	}
	return match[1]
}

// Mutual TLS: the client's certificate and the server's CA from TLSConfig.
func TestMutualTls(t *testing.T) {
	dir := t.TempDir()
	writePKI(t, dir)
	target := startServer(t, "--tls_cert_file="+filepath.Join(dir, "server.pem"),
		"--tls_key_file="+filepath.Join(dir, "server.key"),
		"--tls_client_ca_file="+filepath.Join(dir, "ca.pem"))
	withCert, err := client.TLSConfig(filepath.Join(dir, "ca.pem"),
		filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(target, client.Options{TLS: withCert, Deadline: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.GetIndicator(context.Background(), "rd_expenditure"); err != nil {
		t.Errorf("with a client certificate: %v", err)
	}
	// Without a client certificate the server refuses the connection.
	caOnly, err := client.TLSConfig(filepath.Join(dir, "ca.pem"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	refused, err := client.Dial(target, client.Options{TLS: caOnly, Deadline: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer refused.Close()
	var rpcErr *client.Error
	if _, err := refused.GetIndicator(context.Background(), "rd_expenditure"); !errors.As(err, &rpcErr) ||
		rpcErr.Code != codes.Unavailable {
		t.Errorf("without a client certificate: %v", err)
	}
}

// A server that allows 5 calls a second without a token: a raw refusal says
// how long to wait, and the client waits as told, so every call succeeds.
func TestTheClientWaitsAsToldUnderAQuota(t *testing.T) {
	target := startServer(t, "--anonymous_requests_per_second=5")
	conn, err := grpc.Dial(target, grpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	raw := v1.NewIndicatorServiceClient(conn)
	var refused error
	for i := 0; i < 10 && refused == nil; i++ {
		_, refused = raw.GetIndicator(context.Background(), &v1.GetIndicatorRequest{Id: "rd_intensity"})
	}
	delay, ok := client.RetryDelay(refused)
	if !ok || delay <= 0 || delay > 200*time.Millisecond {
		t.Fatalf("refusal %v: retry delay %v, %v", refused, delay, ok)
	}
	c, err := client.Dial(target, client.Options{Deadline: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	for i := 0; i < 12; i++ {
		if _, err := c.GetIndicator(context.Background(), "rd_intensity"); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	// The raw burst used the bucket: 12 more at 5 a second.
	if elapsed := time.Since(start); elapsed < 1500*time.Millisecond {
		t.Errorf("12 calls at 5 a second took %v", elapsed)
	}
}

// With one stream allowed, an export refused while another stream is open
// waits as told and completes once that one ends.
func TestAnExportRefusedForTooManyStreamsWaitsAndCompletes(t *testing.T) {
	target := startServer(t, "--anonymous_streams=1", "--watch_progress_interval=100ms")
	conn, err := grpc.Dial(target, grpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	held, cancelHeld := context.WithCancel(context.Background())
	watch, err := v1.NewIndicatorServiceClient(conn).WatchObservations(held,
		&v1.WatchObservationsRequest{Progress: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := watch.Recv(); err != nil { // The one stream is open.
		t.Fatal(err)
	}
	c, err := client.Dial(target, client.Options{Deadline: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	done := make(chan error, 1)
	rows := 0
	go func() {
		done <- c.Stream(context.Background(), &v1.ObservationFilter{}, func(*v1.Observation) error {
			rows++
			return nil
		})
	}()
	select {
	case err := <-done:
		t.Fatalf("the export ended while the other stream was open: %v", err)
	case <-time.After(1500 * time.Millisecond):
	}
	cancelHeld()
	if err := <-done; err != nil {
		t.Fatalf("export: %v", err)
	}
	if rows == 0 {
		t.Error("no rows")
	}
}
