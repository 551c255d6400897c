"""The SPEC's features (§2), computed by pandas for one symbol's rows sorted by date."""
import pandas as pd  # noqa: F401  (the frames passed in are pandas')

FEATURES = ["Return", "Return_Lag1", "Return_Lag2", "Return_Lag3", "Return_Lag5", "MA_20", "Volatility_20", "RSI"]


def features(g):
    g = g.copy()
    g["Return"] = g["Close"].pct_change() * 100
    for k in (1, 2, 3, 5):
        g[f"Return_Lag{k}"] = g["Return"].shift(k)
    g["MA_20"] = g["Close"].rolling(20, min_periods=1).mean()
    g["Volatility_20"] = g["Return"].rolling(20, min_periods=1).std()
    delta = g["Close"].diff()
    gain = delta.where(delta > 0, 0)
    loss = -delta.where(delta < 0, 0)
    avg_gain = gain.rolling(14).mean()
    avg_loss = loss.rolling(14).mean()
    g["RSI"] = 100 - 100 / (1 + avg_gain / avg_loss)
    g["Target"] = g["Return"].shift(-1)
    return g
