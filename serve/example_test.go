package serve_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/schemaguard/guard/serve"
)

// A delivery's signature, as Sign makes it, is what a receiver checks with
// Verify (or any Standard Webhooks library). These are the
// specification's published test values.
func ExampleSign() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"test": 2432232314}`)
	sig, err := serve.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
	if err != nil {
		panic(err)
	}
	fmt.Println(sig)

	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", sig)
	fmt.Println(serve.Verify(h, body, time.Unix(1614265330, 0), 5*time.Minute, secret))
	fmt.Println(serve.Verify(h, []byte(`{"test": 1}`), time.Unix(1614265330, 0), 5*time.Minute, secret))
	// Output:
	// v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
	// <nil>
	// webhook signature does not match
}
