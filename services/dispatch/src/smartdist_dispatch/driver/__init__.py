"""The driver's side: today's route on a phone, stop outcomes with proof, cash and GPS, offline sync."""
