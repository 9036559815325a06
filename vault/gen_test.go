package vault

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Reference check-digit implementations for tests, written apart from the
// package's own (differently, straight from the texts they cite) so that a
// mistake in one is caught by the other, and generators of valid numbers
// built on them.

// refSNILS appends the two check digits to nine digits.
func refSNILS(nine string) string {
	sum := 0
	for i, c := range nine {
		sum += int(c-'0') * (9 - i)
	}
	for sum >= 100 {
		if sum == 100 || sum == 101 {
			sum = 0
			break
		}
		sum %= 101
	}
	return fmt.Sprintf("%s%02d", nine, sum)
}

// refINN appends check digits to the first 10 (individual) or 9
// (organisation) digits.
func refINN(head string) string {
	check := func(d string, w ...int) string {
		sum := 0
		for i, c := range d {
			sum += int(c-'0') * w[i]
		}
		return strconv.Itoa(sum % 11 % 10)
	}
	if len(head) == 9 {
		return head + check(head, 2, 4, 10, 3, 5, 9, 4, 6, 8)
	}
	head += check(head, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
	return head + check(head, 3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
}

// refOMS appends the check digit to 15 digits by the procedure of appendix
// Г.2 word for word: the digits in odd places from the right, as a number,
// doubled; the digits in even places written before it; the digit sum
// subtracted from the next multiple of 10.
func refOMS(fifteen string) string {
	var odd, even strings.Builder
	for i := len(fifteen) - 1; i >= 0; i-- {
		if (len(fifteen)-1-i)%2 == 0 {
			odd.WriteByte(fifteen[i])
		} else {
			even.WriteByte(fifteen[i])
		}
	}
	n, _ := new(big.Int).SetString(odd.String(), 10)
	s := even.String() + n.Mul(n, big.NewInt(2)).String()
	sum := 0
	for _, c := range s {
		sum += int(c - '0')
	}
	return fifteen + strconv.Itoa((10-sum%10)%10)
}

// randDigits returns n random digits, the first not zero.
func randDigits(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	b[0] = byte('1' + rng.IntN(9))
	return string(b)
}

func genSNILS(rng *rand.Rand) string    { return refSNILS(randDigits(rng, 9)) }
func genINN(rng *rand.Rand) string      { return refINN(randDigits(rng, 10)) }
func genLegalINN(rng *rand.Rand) string { return refINN(randDigits(rng, 9)) }
func genOMS(rng *rand.Rand) string      { return refOMS(randDigits(rng, 15)) }

// mrzLine2 builds the second line of a TD3 MRZ with correct check digits.
func mrzLine2(number, birth, sex, expiry string) string {
	check := func(s string) string {
		sum := 0
		for i, c := range s {
			v := 0
			switch {
			case c >= '0' && c <= '9':
				v = int(c - '0')
			case c >= 'A' && c <= 'Z':
				v = int(c-'A') + 10
			}
			sum += v * []int{7, 3, 1}[i%3]
		}
		return strconv.Itoa(sum % 10)
	}
	l := number + check(number) + "RUS" + birth + check(birth) + sex + expiry + check(expiry) + strings.Repeat("<", 15)
	return l + check(l[0:10]+l[13:20]+l[21:43])
}

func testRand() *rand.Rand { return rand.New(rand.NewPCG(4, 2026)) }
