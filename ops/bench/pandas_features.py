"""The SPEC's features with pandas groupby, shared by the benchmark scripts."""
import pandas as pd

FEATURES = ["Return", "Return_Lag1", "Return_Lag2", "Return_Lag3", "Return_Lag5", "MA_20", "Volatility_20", "RSI"]


def add_features(df: pd.DataFrame) -> pd.DataFrame:
    """Sorts by symbol and date and adds the feature columns (vectorised, per symbol)."""
    df = df.sort_values(["Symbol", "Date"], kind="mergesort")
    g = df.groupby("Symbol", sort=False)
    df["Return"] = g["Close"].pct_change() * 100
    gr = df.groupby("Symbol", sort=False)["Return"]
    for k in (1, 2, 3, 5):
        df[f"Return_Lag{k}"] = gr.shift(k)
    df["MA_20"] = g["Close"].rolling(20, min_periods=1).mean().reset_index(level=0, drop=True)
    df["Volatility_20"] = gr.rolling(20, min_periods=1).std().reset_index(level=0, drop=True)
    delta = g["Close"].diff()
    df["gain"] = delta.where(delta > 0, 0)
    df["loss"] = -delta.where(delta < 0, 0)
    avg_gain = df.groupby("Symbol", sort=False)["gain"].rolling(14).mean().reset_index(level=0, drop=True)
    avg_loss = df.groupby("Symbol", sort=False)["loss"].rolling(14).mean().reset_index(level=0, drop=True)
    df["RSI"] = 100 - 100 / (1 + avg_gain / avg_loss)
    return df
