// Package serve is guard serve: a long-running service that watches
// registered PostgreSQL databases (targets), stores every version of their
// schemas, classifies the drift between consecutive versions, judges it
// against each target's contract, delivers signed webhooks, and answers an
// admin API behind API keys.
//
// All state lives in the state database, in the guard_serve schema,
// created and upgraded by guard's own runner from migrations embedded in
// this package (New does it on start). Any number of replicas may share
// one state database: a target is checked by one replica per interval (a
// lease taken with FOR UPDATE SKIP LOCKED and renewed during the check; a
// replica that dies mid-check loses it after the lease timeout), and each
// webhook delivery is attempted by one replica at a time.
//
//	key, err := serve.ParseSecretKey(os.Getenv("GUARD_SECRET_KEY"))
//	if err != nil {
//		return err
//	}
//	s, err := serve.New(ctx, os.Getenv("GUARD_STATE_URL"), key)
//	if err != nil {
//		return err
//	}
//	defer s.Close()
//	_, err = s.RegisterTarget(ctx, serve.TargetSpec{Name: "app", URL: appURL, IntervalSeconds: 30})
//	if err != nil {
//		return err
//	}
//	go http.ListenAndServe(":8080", s.Handler())
//	return s.Run(ctx) // until ctx is cancelled
//
// Target URLs and webhook secrets are sealed at rest with AES-256-GCM under
// the secret key; they are never returned by the API nor logged.
package serve
